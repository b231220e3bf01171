/** The `ssh` runtime: Linux hosts over SSH, releases in content-addressed directories, rolled behind HAProxy. */
export { openSshRuntime, SshRuntime, type SshRuntimeDeps } from './ssh-runtime.js';
export { SshTarget, SshHaproxy } from './settings.js';
