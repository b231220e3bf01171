/**
 * Build: turning a service's source into an immutable artifact, and finding artifacts again.
 */
export { snapshotDirectory, artifactPath, SNAPSHOT_EXCLUDES } from './artifact-store.js';
