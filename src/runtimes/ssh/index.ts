/** The `ssh` runtime: Linux hosts over SSH, releases in content-addressed directories, rolled behind HAProxy. */
export { openSshRuntime, SshRuntime, type SshRuntimeDeps } from './ssh-runtime.js';
export { packDirectory } from './archive.js';
export { SshTarget, SshHost, SshHaproxy } from './settings.js';
export { HostUnreachableError, HostKeyRejectedError, RemoteCommandError } from './connection.js';
