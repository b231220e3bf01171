/**
 * Deployment events reach a webhook receiver, signed: a real HTTP receiver on loopback, a real
 * deployment of a real process, the signature checked as a receiver would, every attempt recorded.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalOperations, Workspace, deploy, startNotifications } from '../src/engine/index.js';
import { verifySignature } from '../src/notifications/index.js';
import { projectDir, removeProject } from './helpers/projects.js';

const SIGNING_KEY = 'whsec-test-key';
const dir = projectDir('notify');
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let receiver: Server;
let ws: Workspace;
let feed: { stop(): Promise<void> };

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as { port: number }).port;
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `project: notify
notifications:
  - { name: team-chat, url: "http://127.0.0.1:${port}/hook", format: slack, events: ["*"], secret: "secret:hook-key", services: [api] }
services:
  api:
    workload: { command: node, args: [server.mjs], artifact: ./api, ports: { http: auto }, readinessProbe: { httpGet: { path: /healthz, port: http } } }
environments:
  dev: { targets: [local] }
targets:
  local: { runtime: process }
`,
  );
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  await new LocalOperations(ws, { drive: 'inline', onClose: async () => {} }).setSecret({ name: 'hook-key', value: SIGNING_KEY, actor: 'test' });
  feed = await startNotifications(ws);
});

afterAll(async () => {
  await feed?.stop();
  receiver?.close();
  await removeProject(dir, ws);
});

describe('notifications', () => {
  it('delivers the deployment events to the hook, signed with the secret, and records each delivery', async () => {
    expect((await deploy(ws, { service: 'api', environment: 'dev', actor: 'alice' })).result).toBe('deployed');
    const types = () => received.map((r) => r.headers['x-slipway-event']);
    await expect.poll(types).toEqual(expect.arrayContaining(['deployment.started', 'deployment.succeeded']));
    expect(types().indexOf('deployment.started')).toBeLessThan(types().indexOf('deployment.succeeded'));
    for (const { headers, body } of received) {
      expect(verifySignature(body, headers, SIGNING_KEY)).toBe(true);
      expect(verifySignature(body, headers, 'another key')).toBe(false);
      expect(JSON.parse(body).text).toMatch(/api/);
    }
    // An attempt is recorded once its answer is read.
    await expect.poll(async () => (await ws.store.listDeliveries()).length).toBe(received.length);
    const deliveries = await ws.store.listDeliveries();
    expect(deliveries.every((d) => d.hook === 'team-chat' && d.outcome === 'delivered')).toBe(true);
    expect(deliveries.map((d) => d.eventType)).toEqual(expect.arrayContaining(['deployment.started', 'deployment.succeeded']));
    expect(JSON.stringify(deliveries)).not.toContain(SIGNING_KEY);
  });
});
