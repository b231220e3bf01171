/**
 * Build: turning a service's source into an immutable artifact, and finding artifacts again.
 */
export { snapshotDirectory, artifactPath, SNAPSHOT_EXCLUDES } from './artifact-store.js';
export { newestFirst, tagMatches, tagPatternProblem } from './tags.js';
export { runBuild, imageTag, authJson, type BuildPlan, type BuildIo, type Built, type Login } from './builder.js';
export { runStep } from './command.js';
export {
  listRemoteTags,
  resolveRef,
  checkout,
  parseLsRemote,
  redactCredentials,
  LS_REMOTE_TIMEOUT_MS,
  CHECKOUT_TIMEOUT_MS,
  type RemoteRef,
  type RemoteTag,
  type GitOptions,
} from './git.js';
export { repositoryPath, sameRepository } from './repository.js';
