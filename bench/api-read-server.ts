/**
 * The server side of `bench/api-read.bench.ts`, run in its own process: a generated project of
 * SERVICES services × 3 environments on the `null` runtime, every service deployed into every
 * environment (and a second release into dev for one in ten), a viewer token, and the control
 * plane `slipway server` runs (loops included) with its HTTP API. Prints one JSON line of
 * `ApiReadServer` once it answers, and stops and removes everything on SIGTERM.
 */
import { pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploy, Workspace } from '../src/engine/index.js';
import { startControlPlane } from '../src/server/index.js';

export const SERVICES = 1000;
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** What the load generator needs to know; the last line of the server's standard output. */
export interface ApiReadServer {
  readonly url: string;
  readonly token: string;
  /** A service to read the history and explanation of. */
  readonly service: string;
  readonly deployments: number;
  readonly events: number;
  readonly setupMs: number;
}

export const serviceName = (i: number) => `svc-${String(i).padStart(4, '0')}`;

/** The project file: every service with env, ports and an override; one target on the null runtime; a policy layer. */
function writeProject(dir: string): string {
  const services = Array.from(
    { length: SERVICES },
    (_, i) => `  ${serviceName(i)}:
    owner: team-${i % 20}
    workload:
      command: node
      args: [server.mjs, --id, "${i}"]
      env: { LOG_LEVEL: info, SERVICE_ID: "${i}" }
      ports: { http: auto }
    environments:
      prod: { replicas: 2 }`,
  );
  writeFileSync(
    join(dir, 'policy.yaml'),
    `owner: platform
defaults:
  workload: { env: { REGION: eu-west-1 } }
environments:
  prod:
    constraints:
      maxReplicas: 4
`,
  );
  const file = join(dir, 'slipway.yaml');
  writeFileSync(
    file,
    `project: api-read-bench
layers: [policy.yaml]
services:
${services.join('\n')}
environments:
  dev: { targets: [local] }
  staging: { promotesFrom: [dev], targets: [local] }
  prod: { promotesFrom: [staging], targets: [local] }
targets:
  local: { runtime: "null" }
`,
  );
  return file;
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'slipway-api-read-'));
  const ws = await Workspace.open({ projectFile: writeProject(dir) });
  let deployments = 0;
  for (let i = 0; i < SERVICES; i++) {
    for (const environment of ENVIRONMENTS) {
      await deploy(ws, { service: serviceName(i), environment, actor: 'bench' });
      deployments++;
    }
    if (i % 10 === 0) {
      await deploy(ws, { service: serviceName(i), environment: 'dev', version: 'v2', actor: 'bench' });
      deployments++;
    }
  }
  const { secret } = await ws.store.tokens.createToken({ name: 'bench', role: 'viewer', createdBy: 'bench' });
  const plane = await startControlPlane(ws, { tokens: ws.store.tokens, http: {}, onError: (what, error) => console.error(`${what}:`, error) });
  // The loops' first passes (the first observation written, every unit resolved) are start-up, not load.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const events = (await ws.store.listEvents({ last: 1 }))[0]?.seq ?? 0;
  const ready: ApiReadServer = { url: plane.url!, token: secret, service: serviceName(0), deployments, events, setupMs: performance.now() - started };
  console.log(JSON.stringify(ready));
  process.once('SIGTERM', () => {
    void (async () => {
      await plane.stop();
      await ws.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

// Only when run as the server process: the benchmark imports this module for its constants.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
