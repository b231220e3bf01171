import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProject } from './load.js';
import { STARTER_PROJECT, STARTER_SERVER } from './starter.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('the starter project', () => {
  it('is a valid project: web promoted dev → staging → prod on one local target', () => {
    const spec = parseProject(STARTER_PROJECT, 'slipway.yaml');
    expect(Object.keys(spec.services)).toEqual(['web']);
    expect(spec.services.web!.workload).toMatchObject({ command: 'node', args: ['server.mjs'], artifact: './web' });
    expect(spec.services.web!.workload.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(Object.fromEntries(Object.entries(spec.environments).map(([name, env]) => [name, env.promotesFrom]))).toEqual({ dev: [], staging: ['dev'], prod: ['staging'] });
    expect(spec.targets).toEqual({ local: expect.objectContaining({ runtime: 'process' }) });
  });

  it('ships a server that answers /healthz and / on PORT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-starter-'));
    writeFileSync(join(dir, 'server.mjs'), STARTER_SERVER);
    const port = await freePort();
    const child = spawn(process.execPath, ['server.mjs'], { cwd: dir, env: { PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toContain('hello from web');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
