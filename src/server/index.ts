/** The server's public face: the HTTP API, the local control socket, their client, and the one mapping of errors to HTTP answers. */
export { startHttpServer, type HttpServer, type HttpServerOptions } from './http-server.js';
export { serveControlSocket, controlSocketPath } from './control-socket.js';
export { ApiClient, ControlClient, type Endpoint, type TokenAdmin } from './api-client.js';
export { errorBody, httpStatusOf, errorFromBody, type ErrorBody } from './error-body.js';
export { routes, type RouteName } from './routes.js';
export { openApiDocument } from './openapi.js';
export { registerServerCommands, type ServerCommandDeps } from './cli-commands.js';
export { startControlPlane, type ControlPlane } from './control-plane.js';
