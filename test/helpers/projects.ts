/** Throwaway projects for tests that open a workspace in-process: a directory, the quickstart api, clean-up. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { down, type Workspace } from '../../src/engine/index.js';
import { killPids, processesUnder } from './cli.js';

/** The quickstart api's workload, as it sits under `services.<name>:` in a project file. */
export const API_WORKLOAD = `    workload:
      command: node
      args: [server.mjs]
      artifact: ./api
      ports: { http: auto }
      readinessProbe: { httpGet: { path: /healthz, port: http } }`;

/** A new temporary directory holding a copy of the quickstart api under each of `copies` (default `api`). */
export function projectDir(prefix: string, copies: readonly string[] = ['api']): string {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${prefix}-`));
  for (const copy of copies) cpSync(resolve(import.meta.dirname, '../../examples/quickstart/api'), join(dir, copy), { recursive: true });
  return dir;
}

/** Stops what the project runs, closes its workspace, kills anything left by pid, and removes it. */
export async function removeProject(dir: string, ws?: Workspace): Promise<void> {
  if (ws) {
    await down(ws, { actor: 'test' }).catch(() => undefined);
    await ws.close();
  }
  killPids(processesUnder(dir));
  rmSync(dir, { recursive: true, force: true });
}
