import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../errors.js';
import { readDelivery, type InboundDelivery } from './receive.js';

const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, '../../test/fixtures/webhooks', name));
const SECRET = 'correct-horse-battery-staple';
const sign = (body: Uint8Array, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const fromGithub = (event: string, body: Uint8Array, proof = sign(body)): InboundDelivery => ({ provider: 'github', event, delivery: 'd-1', proof, body });
const fromGitlab = (event: string, body: Uint8Array, proof = SECRET): InboundDelivery => ({ provider: 'gitlab', event, delivery: 'u-1', proof, body });

/** The error `work` throws; fails the test when it throws none. */
function failure(work: () => unknown): SlipwayError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(SlipwayError);
    return error as SlipwayError;
  }
  throw new Error('expected an error');
}

describe('readDelivery from GitHub', () => {
  it("checks X-Hub-Signature-256 as GitHub's documentation computes it, before reading the body", () => {
    const body = Buffer.from('Hello, World!');
    const signed = { provider: 'github', event: 'push', body, proof: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' } as const;
    expect(failure(() => readDelivery(signed, "It's a Secret to Everybody")).code).toBe('bad-request'); // verified, then found not to be JSON
    expect(failure(() => readDelivery(signed, "It's a secret to everybody")).code).toBe('unauthenticated');
  });

  it('reads a branch push and a tag push, the commit of an annotated tag rather than the tag object', () => {
    expect(readDelivery(fromGithub('push', fixture('github-push.json')), SECRET)).toEqual({
      kind: 'push',
      push: { repository: 'acme/shop', ref: 'refs/heads/main', branch: 'main', sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', deleted: false, pusher: 'octocat' },
    });
    expect(readDelivery(fromGithub('push', fixture('github-tag-push.json')), SECRET)).toEqual({
      kind: 'push',
      push: { repository: 'acme/shop', ref: 'refs/tags/v1.4.0', tag: 'v1.4.0', sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', deleted: false, pusher: 'octocat' },
    });
  });

  it('reads a deleted tag, and a payload sent as a form (application/x-www-form-urlencoded)', () => {
    const payload = { ...JSON.parse(fixture('github-tag-push.json').toString()), after: '0'.repeat(40), deleted: true, head_commit: null };
    const deleted = readDelivery(fromGithub('push', Buffer.from(JSON.stringify(payload))), SECRET);
    expect(deleted).toMatchObject({ push: { tag: 'v1.4.0', deleted: true, sha: '0'.repeat(40) } });
    const form = Buffer.from(new URLSearchParams({ payload: fixture('github-push.json').toString() }).toString());
    expect(readDelivery(fromGithub('push', form), SECRET)).toMatchObject({ kind: 'push', push: { branch: 'main' } });
  });

  it('ignores ping and every event but push', () => {
    expect(readDelivery(fromGithub('ping', fixture('github-ping.json')), SECRET)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('ping') });
    expect(readDelivery(fromGithub('issues', Buffer.from('{}')), SECRET)).toEqual({ kind: 'ignored', reason: 'Slipway reads push events, not issues' });
  });

  it('answers 401 errors for a missing or wrong signature, never quoting it or the secret', () => {
    const body = fixture('github-push.json');
    const wrong = sign(body, 'another-secret');
    const missing = failure(() => readDelivery({ ...fromGithub('push', body), proof: undefined }, SECRET));
    const mismatch = failure(() => readDelivery(fromGithub('push', body, wrong), SECRET));
    const garbled = failure(() => readDelivery(fromGithub('push', body, 'sha1=abc'), SECRET));
    expect([missing.code, mismatch.code, garbled.code]).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated']);
    expect(missing.message).toContain('x-hub-signature-256');
    for (const error of [missing, mismatch, garbled]) expect(error.message).not.toMatch(new RegExp(`${SECRET}|${wrong.slice(7)}`));
  });

  it('says how to set the secret up when it is not set', () => {
    const error = failure(() => readDelivery(fromGithub('push', fixture('github-push.json')), undefined));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('slipway secret set webhook-github');
  });

  it('names the fields a push payload lacks, and refuses a body that is not JSON', () => {
    const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', repository: {} }));
    const error = failure(() => readDelivery(fromGithub('push', body), SECRET));
    expect([error.code, error.message]).toEqual(['invalid-request', 'the GitHub push payload is not as expected: after, repository.full_name, pusher missing, of the wrong type or not printable']);
    expect(failure(() => readDelivery(fromGithub('push', Buffer.from('{"ref":')), SECRET)).code).toBe('bad-request');
  });

  it('refuses a push whose names hold control characters, which would be recorded and printed', () => {
    const push = JSON.parse(fixture('github-tag-push.json').toString()) as { ref: string; pusher: { name: string } };
    for (const payload of [{ ...push, ref: 'refs/tags/v1\u001b[2J' }, { ...push, pusher: { name: 'octo\u0000cat' } }, { ...push, ref: 'refs/tags/\u202ev1' }]) {
      const error = failure(() => readDelivery(fromGithub('push', Buffer.from(JSON.stringify(payload))), SECRET));
      expect(error.code).toBe('invalid-request');
      for (const unsafe of ['\u0000', '\u001b', '\u202e']) expect(error.message).not.toContain(unsafe);
    }
  });
});

describe('readDelivery from GitLab', () => {
  it('reads push and tag push hooks, the commit a tag names', () => {
    expect(readDelivery(fromGitlab('Push Hook', fixture('gitlab-push.json')), SECRET)).toEqual({
      kind: 'push',
      push: { repository: 'mike/diaspora', ref: 'refs/heads/main', branch: 'main', sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', deleted: false, pusher: 'jsmith' },
    });
    expect(readDelivery(fromGitlab('Tag Push Hook', fixture('gitlab-tag-push.json')), SECRET)).toMatchObject({
      push: { repository: 'jsmith/example', tag: 'v1.0.0', sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', deleted: false },
    });
  });

  it("reads a system hook's push by its event_name, and ignores its other events and other hooks", () => {
    expect(readDelivery(fromGitlab('System Hook', fixture('gitlab-tag-push.json')), SECRET)).toMatchObject({ kind: 'push', push: { tag: 'v1.0.0' } });
    expect(readDelivery(fromGitlab('System Hook', Buffer.from('{"event_name":"project_create"}')), SECRET)).toMatchObject({ kind: 'ignored' });
    expect(readDelivery(fromGitlab('Merge Request Hook', Buffer.from('{}')), SECRET)).toMatchObject({ kind: 'ignored' });
  });

  it('compares X-Gitlab-Token with the secret', () => {
    const body = fixture('gitlab-push.json');
    expect(failure(() => readDelivery(fromGitlab('Push Hook', body, `${SECRET}x`), SECRET)).code).toBe('unauthenticated');
    expect(failure(() => readDelivery(fromGitlab('Push Hook', body, ''), SECRET)).code).toBe('unauthenticated');
    expect(failure(() => readDelivery({ ...fromGitlab('Push Hook', body), proof: undefined }, SECRET)).message).toContain('x-gitlab-token');
  });
});
