/** The server's public face. For now: the local control socket and its client. */
export { serveControlSocket, controlSocketPath } from './control-socket.js';
export { ControlClient } from './control-client.js';
export { errorBody, httpStatusOf, errorFromBody, type ErrorBody } from './error-body.js';
