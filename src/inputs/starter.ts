/** What `slipway init` writes: a small working project and the service it runs. */

/**
 * A commented starter `slipway.yaml`: one service `web`, promoted dev → staging → prod on this
 * machine, each environment on its own port so all three can run side by side.
 */
export const STARTER_PROJECT = `# Slipway project file. Check it with \`slipway validate\`; run it with \`slipway up\`.
project: my-project

services:
  web:
    workload:
      command: node
      args: [server.mjs]
      artifact: ./web          # this directory is snapshotted into each release
      ports:
        http: 8080             # given to the process as PORT
      readinessProbe:          # a replica takes traffic once this answers 200
        httpGet: { path: /healthz, port: http }
    environments:              # what changes per environment
      staging:
        ports: { http: 8081 }
      prod:
        replicas: 2            # replicas take consecutive ports: 8082 and 8083
        ports: { http: 8082 }

environments:
  dev:                         # no promotesFrom: releases start here
    targets: [local]
  staging:
    promotesFrom: [dev]
    targets: [local]
  prod:
    promotesFrom: [staging]
    targets: [local]

targets:
  local:
    runtime: process           # supervised processes on this machine
`;

/** A dependency-free Node HTTP server for the starter: listens on \`PORT\`, answers \`/healthz\` and \`/\`. */
export const STARTER_SERVER = `// The starter service: plain Node, no dependencies.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);

const server = createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\\n');
    return;
  }
  response.writeHead(200, { 'content-type': 'text/plain' }).end(\`hello from web on port \${port}\\n\`);
});

server.listen(port, () => console.log(\`web listening on port \${port}\`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
