/** The `ssh` runtime: Linux hosts over SSH, releases in content-addressed directories, rolled behind HAProxy. */
export { openSshRuntime, SshRuntime, packDirectory, type SshRuntimeDeps } from './ssh-runtime.js';
export { SshTarget, SshHost, SshHaproxy } from './settings.js';
export { HostUnreachableError, HostKeyRejectedError, RemoteCommandError } from './connection.js';
