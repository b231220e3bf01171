/**
 * Inbound webhooks against a real server on 127.0.0.1, a real workspace and token store: GitHub
 * deliveries signed with the secret `webhook-github`, GitLab deliveries carrying `webhook-gitlab`,
 * each push recorded once in the audit log, everything else answered without a record, and the
 * secrets and signatures in no answer and no event.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalOperations, Workspace } from '../src/engine/index.js';
import { startHttpServer, type HttpServer } from '../src/server/index.js';
import { apiTokensMigration, KyselyTokenStore, type TokenTables } from '../src/store/token-store.js';
import { projectDir, removeProject } from './helpers/projects.js';

const GITHUB_SECRET = `gh-${Math.random().toString(36).slice(2)}-never-shown`;
const GITLAB_SECRET = `gl-${Math.random().toString(36).slice(2)}-never-shown`;
const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, 'fixtures/webhooks', name));
const sign = (body: Uint8Array, secret = GITHUB_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const dir = projectDir('server-webhooks', []);
writeFileSync(
  join(dir, 'slipway.yaml'),
  `project: webhooks-test
services:
  shop:
    workload: { command: node }
environments:
  dev: { targets: [nowhere] }
targets:
  nowhere: { runtime: 'null' }
`,
);

let ws: Workspace;
let server: HttpServer;
let tokenDb: Kysely<TokenTables>;
let admin: string;
/** Every answer, to search for the secrets and signatures at the end. */
const answers: string[] = [];
const signatures: string[] = [];

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string }; result?: string; message?: string };
}

async function send(path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  answers.push(text);
  return { status: res.status, body: JSON.parse(text) as Answer['body'] };
}

/**
 * Sends only the headers of a request that declares `declared` bytes of body, and waits for the
 * answer: a server that answers has decided without the body.
 */
function sendHeadersOnly(path: string, declared: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(declared), ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
    req.write('{"ref": "refs/heads/main", ');
  });
}

/** A GitHub delivery of `body`, signed with `secret` unless a signature is given (or `null`: none). */
function fromGithub(event: string, delivery: string, body: Uint8Array | string, signature: string | null = sign(Buffer.from(body))): Promise<Answer> {
  if (signature) signatures.push(signature.slice('sha256='.length));
  return send('/api/v1/webhooks/github', body, { 'x-github-event': event, 'x-github-delivery': delivery, ...(signature && { 'x-hub-signature-256': signature }) });
}

function fromGitlab(event: string, uuid: string, body: Uint8Array | string, token = GITLAB_SECRET): Promise<Answer> {
  return send('/api/v1/webhooks/gitlab', body, { 'x-gitlab-event': event, 'x-gitlab-event-uuid': uuid, 'x-gitlab-token': token });
}

interface RecordedEvent {
  readonly seq: number;
  readonly type: string;
  readonly actor: string;
  readonly service: string | null;
  readonly message: string;
  readonly data: Record<string, unknown>;
}

async function webhookEvents(): Promise<RecordedEvent[]> {
  const res = await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${admin}` } });
  const text = await res.text();
  answers.push(text);
  return (JSON.parse(text) as RecordedEvent[]).filter((e) => e.type === 'webhook.received');
}

async function setSecret(name: string, value: string): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/secrets/${name}`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  tokenDb = new Kysely<TokenTables>({ dialect: new PGliteDialect({ pglite: new PGlite() }) });
  await apiTokensMigration.up(tokenDb);
  const tokens = new KyselyTokenStore(tokenDb);
  admin = (await tokens.createToken({ name: 'admin', role: 'admin', environments: [], groups: [], createdBy: 'test' })).secret;
  ws = await Workspace.open({ projectFile: join(dir, 'slipway.yaml') });
  server = await startHttpServer(new LocalOperations(ws, { drive: 'inline', drift: async () => [], onClose: async () => {} }), { tokens, bodyLimit: 64 * 1024 });
});

afterAll(async () => {
  await server?.close();
  await tokenDb?.destroy();
  await removeProject(dir, ws);
});

describe('inbound webhooks', () => {
  it('answer 503, saying how to set the secret up, while it is not set; nothing is recorded', async () => {
    const github = await fromGithub('push', 'early', fixture('github-push.json'));
    expect(github.status).toBe(503);
    expect(github.body.error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('slipway secret set webhook-github') });
    const gitlab = await fromGitlab('Push Hook', 'early', fixture('gitlab-push.json'));
    expect([gitlab.status, gitlab.body.error?.message]).toEqual([503, expect.stringContaining('slipway secret set webhook-gitlab')]);
    expect(await webhookEvents()).toEqual([]);
    await setSecret('webhook-github', GITHUB_SECRET);
    await setSecret('webhook-gitlab', GITLAB_SECRET);
  });

  it('records a signed GitHub push once, however often it is redelivered', async () => {
    const first = await fromGithub('push', '72d3162e-cc78-11e3-81ab-4c9367dc0958', fixture('github-push.json'));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      result: 'recorded',
      provider: 'github',
      event: 'push',
      delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      push: { repository: 'acme/shop', ref: 'refs/heads/main', branch: 'main', sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', pusher: 'octocat' },
      message: expect.stringContaining('no service builds this push'),
    });
    const again = await fromGithub('push', '72d3162e-cc78-11e3-81ab-4c9367dc0958', fixture('github-push.json'));
    expect([again.status, again.body.result]).toEqual([202, 'duplicate']);
    const events = await webhookEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'github:octocat',
      service: null,
      message: 'GitHub: octocat pushed branch main of acme/shop at 0d1a26e',
      data: { provider: 'github', event: 'push', delivery: '72d3162e-cc78-11e3-81ab-4c9367dc0958', repository: 'acme/shop', ref: 'refs/heads/main', sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c' },
    });
    expect(events[0]!.seq).toBe(first.body.eventSeq);
  });

  it('answers 401 to a wrong or missing signature, and records nothing', async () => {
    const body = fixture('github-tag-push.json');
    const wrong = await fromGithub('push', 'forged-1', body, sign(body, 'not-the-secret'));
    expect([wrong.status, wrong.body.error?.code]).toEqual([401, 'unauthenticated']);
    const tampered = await fromGithub('push', 'forged-2', Buffer.from(body.toString().replace('v1.4.0', 'v9.9.9')), sign(body));
    expect(tampered.status).toBe(401);
    const unsigned = await fromGithub('push', 'forged-3', body, null);
    expect([unsigned.status, unsigned.body.error?.message]).toEqual([401, expect.stringContaining('x-hub-signature-256')]);
    expect(await webhookEvents()).toHaveLength(1);
  });

  it('records a tag push with its tag, also when sent as a form', async () => {
    const form = new URLSearchParams({ payload: fixture('github-tag-push.json').toString() }).toString();
    signatures.push(sign(Buffer.from(form)).slice(7));
    const res = await send('/api/v1/webhooks/github', form, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-github-event': 'push',
      'x-github-delivery': 'tag-1',
      'x-hub-signature-256': sign(Buffer.from(form)),
    });
    expect([res.status, res.body.result, res.body.push]).toEqual([202, 'recorded', expect.objectContaining({ ref: 'refs/tags/v1.4.0', tag: 'v1.4.0' })]);
    expect((await webhookEvents()).at(-1)).toMatchObject({ message: 'GitHub: octocat pushed tag v1.4.0 of acme/shop at 0d1a26e', data: { tag: 'v1.4.0' } });
  });

  it('answers a ping and other events as ignored, recording nothing', async () => {
    const ping = await fromGithub('ping', 'ping-1', fixture('github-ping.json'));
    expect([ping.status, ping.body.result]).toEqual([202, 'ignored']);
    const issues = await fromGithub('issues', 'issues-1', '{"action":"opened"}');
    expect([issues.status, issues.body.result]).toEqual([202, 'ignored']);
    expect(await webhookEvents()).toHaveLength(2);
  });

  it('answers malformed bodies with our error body: 400 not JSON, 422 not a push, 413 too large', async () => {
    const broken = await fromGithub('push', 'broken-1', '{"ref": ');
    expect([broken.status, broken.body.error?.code]).toEqual([400, 'bad-request']);
    const shapeless = await fromGithub('push', 'shapeless-1', '{"ref": "refs/heads/main"}');
    expect([shapeless.status, shapeless.body.error?.code]).toEqual([422, 'invalid-request']);
    const huge = await fromGithub('push', 'huge-1', JSON.stringify({ padding: 'x'.repeat(100_000) }));
    expect([huge.status, huge.body.error?.code]).toEqual([413, 'too-large']);
    expect(await webhookEvents()).toHaveLength(2);
  });

  it('records GitLab pushes and tag pushes carrying the right token, and nothing for a wrong one', async () => {
    const push = await fromGitlab('Push Hook', 'f2a8c4a2-0c6e-4a3c-9d4e-1b2c3d4e5f60', fixture('gitlab-push.json'));
    expect([push.status, push.body.result, push.body.push]).toEqual([202, 'recorded', expect.objectContaining({ repository: 'mike/diaspora', branch: 'main' })]);
    const tag = await send('/api/v1/webhooks/gitlab', fixture('gitlab-tag-push.json'), {
      'x-gitlab-event': 'Tag Push Hook',
      'x-gitlab-event-uuid': 'recursion-uuid',
      'idempotency-key': 'retry-stable-key',
      'x-gitlab-token': GITLAB_SECRET,
    });
    expect([tag.status, tag.body.delivery, tag.body.push]).toEqual([202, 'retry-stable-key', expect.objectContaining({ tag: 'v1.0.0', sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' })]);
    const wrong = await fromGitlab('Push Hook', 'wrong-1', fixture('gitlab-push.json'), `${GITLAB_SECRET}-not`);
    expect([wrong.status, wrong.body.error?.code]).toEqual([401, 'unauthenticated']);
    const missing = await send('/api/v1/webhooks/gitlab', fixture('gitlab-push.json'), { 'x-gitlab-event': 'Push Hook' });
    expect(missing.status).toBe(401);
    expect((await webhookEvents()).map((e) => e.actor)).toEqual(['github:octocat', 'github:octocat', 'gitlab:jsmith', 'gitlab:jsmith']);
  });

  it('take the proof and the delivery id from headers only: a query string is refused and nothing is recorded', async () => {
    const before = (await webhookEvents()).length;
    const headers = { 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': 'query-1' };
    const inQuery = await send(`/api/v1/webhooks/gitlab?proof=${encodeURIComponent(GITLAB_SECRET)}`, fixture('gitlab-push.json'), headers);
    expect([inQuery.status, inQuery.body.error?.code]).toEqual([422, 'invalid-request']);
    const body = fixture('github-push.json');
    const renamed = await send('/api/v1/webhooks/github?delivery=chosen-by-caller', body, { 'x-github-event': 'push', 'x-github-delivery': 'query-2', 'x-hub-signature-256': sign(body) });
    expect(renamed.status).toBe(422);
    expect(await webhookEvents()).toHaveLength(before);
  });

  it('refuses a wrong token or a malformed signature before reading the body, and reads at most a small bound', async () => {
    const declared = 32 * 1024; // within the limit: a server that read the body first would wait for it
    const gitlab = await sendHeadersOnly('/api/v1/webhooks/gitlab', declared, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' });
    expect(gitlab.status).toBe(401);
    const github = await sendHeadersOnly('/api/v1/webhooks/github', declared, { 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=nothex' });
    expect(github.status).toBe(401);
    const unsigned = await sendHeadersOnly('/api/v1/webhooks/github', declared, { 'x-github-event': 'push' });
    expect(unsigned.status).toBe(401);
    const signedLarge = await sendHeadersOnly('/api/v1/webhooks/github', 50 * 1024 * 1024, { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` });
    expect([signedLarge.status, signedLarge.body]).toEqual([413, expect.stringContaining('too-large')]);
  });

  it('accept no empty secret: setting one is refused, and an empty token proves nothing', async () => {
    const res = await fetch(`${server.url}/api/v1/secrets/webhook-gitlab`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ value: '' }) });
    expect(res.status).toBe(422);
    await expect(new LocalOperations(ws).setSecret({ name: 'webhook-gitlab', value: '', actor: 'test' })).rejects.toMatchObject({ code: 'bad-request' });
    const empty = await fromGitlab('Push Hook', 'empty-1', fixture('gitlab-push.json'), '');
    expect(empty.status).toBe(401);
  });

  it('are listed in the OpenAPI document with their headers, and counted in the request metrics', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, { post?: { parameters?: { name: string }[]; security?: unknown[] } }> };
    expect(doc.paths['/api/v1/webhooks/github']?.post?.parameters?.map((p) => p.name)).toEqual(['x-github-event', 'x-github-delivery', 'x-hub-signature-256']);
    expect(doc.paths['/api/v1/webhooks/gitlab']?.post?.security).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/slipway_http_requests_total\{method="POST",route="\/api\/v1\/webhooks\/github",status="202"\} \d+/);
    expect(metrics).toMatch(/route="\/api\/v1\/webhooks\/github",status="401"/);
  });

  it('never shows a secret or a signature, in any answer or event', async () => {
    answers.push(JSON.stringify(await webhookEvents()));
    const everything = answers.join('\n');
    for (const secret of [GITHUB_SECRET, GITLAB_SECRET, ...signatures]) expect(everything).not.toContain(secret);
  });
});
