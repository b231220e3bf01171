/** Table tests of `advance`: every phase and every transition, as data in, data out. */
import { describe, expect, it } from 'vitest';
import { advance, type ActionOutcome, type EnvironmentFacts, type PromotionFacts } from './advance.js';
import type { Approval, EnvPhase, EnvProgress, Promotion } from './types.js';

const NOW = new Date('2026-11-25T10:00:00Z'); // a Wednesday
const EARLIER = '2026-11-25T09:00:00.000Z';

function env(name: string, extra: Partial<EnvironmentFacts> = {}): EnvironmentFacts {
  return {
    name,
    promotesFrom: [],
    autoPromote: true,
    strategy: 'rolling',
    targets: ['local'],
    soakSeconds: 0,
    onFailure: 'rollback',
    approvals: [],
    freezeWindows: [],
    dependencies: [],
    currentReleaseId: 'r-old',
    ...extra,
  };
}

const DEV = env('dev');
const STAGING = env('staging', { promotesFrom: ['dev'], soakSeconds: 60 });
const PROD = env('prod', { promotesFrom: ['staging'], approvals: [{ count: 1, groups: ['sre'], allowSelfApproval: false }] });

function progress(phase: EnvPhase, extra: Partial<EnvProgress> = {}): EnvProgress {
  return { phase, message: phase, since: EARLIER, ...extra };
}

function promotion(environments: Record<string, EnvProgress>, extra: Partial<Promotion> = {}): Promotion {
  return { id: 'p1', service: 'api', releaseId: 'r-new', version: 'v2', status: 'running', message: 'running', environments, createdBy: 'ann', createdAt: NOW, updatedAt: NOW, ...extra };
}

function facts(environments: readonly EnvironmentFacts[] = [DEV, STAGING, PROD], extra: Partial<PromotionFacts> = {}): PromotionFacts {
  return { environments, approvals: [], succeededBefore: [], versions: { 'r-old': 'v1' }, ...extra };
}

const ok = (attempt: string, extra: Partial<ActionOutcome> = {}): ActionOutcome => ({ attempt, ok: true, message: '', ...extra });
const failed = (attempt: string, message: string): ActionOutcome => ({ attempt, ok: false, message });
const approval = (actor: string, groups: string[], decision: Approval['decision'] = 'approved'): Approval => ({ promotionId: 'p1', environment: 'prod', actor, groups, decision, comment: '', at: NOW });

const pendingAll = { dev: progress('pending'), staging: progress('pending'), prod: progress('pending') };

describe('advance: pending', () => {
  it.each([
    ['the first environment is reached at once', pendingAll, 'dev', 'gated'],
    ['an environment waits while one it promotes from is under way', { ...pendingAll, dev: progress('soaking') }, 'staging', 'pending'],
    ['an environment is reached once those it promotes from succeeded', { ...pendingAll, dev: progress('succeeded') }, 'staging', 'gated'],
    ['an environment is skipped when one it promotes from failed', { ...pendingAll, dev: progress('failed') }, 'staging', 'skipped'],
    ['an environment is skipped when one it promotes from was rolled back', { ...pendingAll, dev: progress('rolled-back') }, 'staging', 'skipped'],
  ] as const)('%s', (_, environments, which, phase) => {
    const { next } = advance(promotion(environments), facts(), NOW);
    expect(next.environments[which]!.phase).toBe(phase);
  });

  it('with only prod asked for, prod is reached when the release succeeded in staging before, and skipped with the reason when not', () => {
    const only = { dev: progress('skipped'), staging: progress('skipped'), prod: progress('pending') };
    expect(advance(promotion(only), facts([DEV, STAGING, PROD], { succeededBefore: ['dev', 'staging'] }), NOW).next.environments.prod!.phase).toBe('gated');
    const { next } = advance(promotion(only), facts(), NOW);
    expect(next.environments.prod).toMatchObject({ phase: 'skipped', message: expect.stringContaining('api v2 has not succeeded in staging') });
    const overridden = { ...only, prod: progress('pending', { orderOverride: { actor: 'root', reason: 'hotfix', at: EARLIER } }) };
    expect(advance(promotion(overridden), facts(), NOW).next.environments.prod!.phase).toBe('gated');
  });
});

describe('advance: gated', () => {
  const atProd = (extra: Partial<EnvProgress> = {}) => promotion({ dev: progress('succeeded'), staging: progress('succeeded'), prod: progress('gated', extra) }, { status: 'waiting' });

  it.each([
    ['an approval is missing', {}, facts(), 'waiting for 1 approval from group sre'],
    ['the only approval is the starter’s own', {}, facts(undefined, { approvals: [approval('ann', ['sre'])] }), 'waiting for 1 approval from group sre'],
    ['the approval is from another group', {}, facts(undefined, { approvals: [approval('bob', ['web'])] }), 'waiting for 1 approval from group sre'],
    ['another promotion rolls out there', {}, facts([DEV, STAGING, { ...PROD, approvals: [], busyWith: 'v1' }]), 'waiting for v1 to finish rolling out in prod'],
    ['a dependency runs too old a version', {}, facts([DEV, STAGING, { ...PROD, approvals: [], dependencies: [{ service: 'db', minVersion: 'v3', running: ['v2'] }] }]), 'waiting for db at v3 or later in prod (runs v2)'],
    ['nobody said go where the environment does not promote by itself', {}, facts([DEV, STAGING, { ...PROD, approvals: [], autoPromote: false }]), 'waiting for someone to run: slipway promote api --env prod'],
  ] as const)('waits, saying why, while %s', (_, extra, given, why) => {
    const result = advance(atProd(extra), given, NOW);
    expect(result.next.environments.prod).toMatchObject({ phase: 'gated', message: why });
    expect(result.action).toBeUndefined();
    expect(result.events.map((e) => e.type)).toEqual(['promotion.waiting']);
    expect(result.requeueAfterMs).toBeGreaterThan(0);
  });

  it('tells a wait once: the same wait again changes nothing', () => {
    const waiting = atProd({ message: 'waiting for 1 approval from group sre' });
    const result = advance(waiting, facts(), NOW);
    expect(result.next).toBe(waiting);
    expect(result.events).toEqual([]);
  });

  it('waits in a freeze window until an override', () => {
    const friday = new Date('2026-11-27T16:00:00Z');
    const frozenProd = { ...PROD, approvals: [], freezeWindows: [{ name: 'weekend', weekly: { from: 'Fri 15:00', to: 'Mon 06:00' } }] };
    expect(advance(atProd(), facts([DEV, STAGING, frozenProd]), friday).next.environments.prod!.message).toMatch(/^frozen: weekend/);
    const overridden = atProd({ freezeOverride: { actor: 'carol', reason: 'CVE', at: EARLIER } });
    expect(advance(overridden, facts([DEV, STAGING, frozenProd]), friday).next.environments.prod!.phase).toBe('deploying');
  });

  it('fails on a rejection, or where the release breaks a constraint now', () => {
    expect(advance(atProd(), facts(undefined, { approvals: [approval('bob', ['sre'], 'rejected')] }), NOW).next.environments.prod).toMatchObject({ phase: 'failed', message: 'rejected by bob' });
    expect(advance(atProd(), facts([DEV, STAGING, { ...PROD, refused: 'replicas 9 exceeds 4' }]), NOW).next.environments.prod).toMatchObject({ phase: 'failed', message: 'not entered: replicas 9 exceeds 4' });
  });

  it('with its gates open, records the release it replaces and asks for a roll-out of every target', () => {
    const result = advance(atProd(), facts(undefined, { approvals: [approval('bob', ['sre'])] }), NOW);
    expect(result.next.environments.prod).toMatchObject({ phase: 'deploying', previousReleaseId: 'r-old', since: NOW.toISOString() });
    expect(result.next.status).toBe('running');
    expect(result.action).toEqual({ kind: 'roll-out', attempt: 'prod:roll-out:all', environment: 'prod', releaseId: 'r-new', targets: ['local'], strategy: 'rolling' });
  });

  it('with the canary strategy, rolls out to the first target alone', () => {
    const canary = { ...PROD, approvals: [], strategy: 'canary' as const, targets: ['eu', 'us'] };
    const result = advance(atProd(), facts([DEV, STAGING, canary]), NOW);
    expect(result.next.environments.prod!.canary).toEqual({ target: 'eu', verified: false });
    expect(result.action).toMatchObject({ attempt: 'prod:roll-out:canary', targets: ['eu'] });
  });
});

describe('advance: deploying, verifying, soaking', () => {
  const at = (phase: EnvPhase, extra: Partial<EnvProgress> = {}) => promotion({ dev: progress(phase, { previousReleaseId: 'r-old', ...extra }), staging: progress('pending'), prod: progress('pending') });

  it('asks for the roll-out again, changing nothing, until its outcome is recorded (a killed process redoes it)', () => {
    const deploying = at('deploying');
    const result = advance(deploying, facts(), NOW);
    expect(result.next).toBe(deploying);
    expect(result.action).toMatchObject({ kind: 'roll-out', attempt: 'dev:roll-out:all' });
    expect(advance(at('deploying', { outcome: ok('dev:roll-out:canary') }), facts(), NOW).action).toMatchObject({ attempt: 'dev:roll-out:all' }); // another attempt's outcome answers nothing
  });

  it('moves a rolled-out release to verification, keeping its deployment', () => {
    const result = advance(at('deploying', { outcome: ok('dev:roll-out:all', { deploymentId: 'd1' }) }), facts(), NOW);
    expect(result.next.environments.dev).toMatchObject({ phase: 'verifying', deploymentId: 'd1' });
    expect(result.next.environments.dev!.outcome).toBeUndefined();
    expect(result.action).toEqual({ kind: 'verify', attempt: 'dev:verify:all', environment: 'dev', targets: ['local'] });
  });

  it('passes verification into the soak, and the soak into success when its time is up', () => {
    const passed = advance(at('verifying', { outcome: ok('dev:verify:all', { message: '2 checks passed' }) }), facts(), NOW);
    expect(passed.next.environments.dev!.phase).toBe('soaking');
    expect(passed.events.map((e) => e.type)).toEqual(['verification.passed']);
    const soaking = promotion({ dev: progress('succeeded'), staging: progress('soaking', { since: NOW.toISOString() }), prod: progress('pending') });
    expect(advance(soaking, facts(), new Date(NOW.getTime() + 20_000)).requeueAfterMs).toBe(40_000);
    const soaked = advance(soaking, facts(), new Date(NOW.getTime() + 60_000));
    expect(soaked.next.environments.staging!.phase).toBe('succeeded');
    expect(soaked.events.map((e) => e.type)).toEqual(['promotion.advanced']);
  });

  it('verifies a canary, then rolls out to the rest, then verifies all', () => {
    const canaryEnv = env('dev', { strategy: 'canary', targets: ['eu', 'us'] });
    const onCanary = promotion({ dev: progress('verifying', { canary: { target: 'eu', verified: false }, outcome: ok('dev:verify:canary'), previousReleaseId: 'r-old' }) });
    const rest = advance(onCanary, facts([canaryEnv]), NOW);
    expect(rest.next.environments.dev).toMatchObject({ phase: 'deploying', canary: { target: 'eu', verified: true } });
    expect(rest.events.map((e) => e.type)).toEqual(['canary.verified']);
    expect(rest.action).toMatchObject({ attempt: 'dev:roll-out:rest', targets: ['eu', 'us'] });
    const all = advance({ ...rest.next, environments: { dev: { ...rest.next.environments.dev!, outcome: ok('dev:roll-out:rest') } } }, facts([canaryEnv]), NOW);
    expect(all.action).toMatchObject({ kind: 'verify', attempt: 'dev:verify:all', targets: ['eu', 'us'] });
  });

  it.each([
    ['a failed roll-out', 'deploying', failed('dev:roll-out:all', 'replica 0 not ready'), 'rollout failed: replica 0 not ready; rolling back', []],
    ['a failed verification', 'verifying', failed('dev:verify:all', 'error rate 0.5'), 'verification failed: error rate 0.5; rolling back', ['verification.failed']],
  ] as const)('rolls back after %s', (_, phase, outcome, message, events) => {
    const result = advance(at(phase, { outcome }), facts(), NOW);
    expect(result.next.environments.dev).toMatchObject({ phase: 'rolling-back', message, previousReleaseId: 'r-old' });
    expect(result.events.map((e) => e.type)).toEqual(events);
    expect(result.action).toEqual({ kind: 'roll-back', attempt: 'dev:roll-back', environment: 'dev', releaseId: 'r-old' });
  });

  it('halts instead where the environment says so, or where there is nothing to roll back to', () => {
    const halting = advance(at('deploying', { outcome: failed('dev:roll-out:all', 'boom') }), facts([env('dev', { onFailure: 'halt' })]), NOW);
    expect(halting.next.environments.dev).toMatchObject({ phase: 'failed', message: 'rollout failed: boom; halted for a person to look' });
    expect(halting.action).toBeUndefined();
    const first = advance(at('deploying', { previousReleaseId: null, outcome: failed('dev:roll-out:all', 'boom') }), facts(), NOW);
    expect(first.next.environments.dev).toMatchObject({ phase: 'failed', message: 'rollout failed: boom; there was no earlier release to roll back to' });
  });
});

describe('advance: rolling back', () => {
  const rolling = (outcome?: ActionOutcome) =>
    promotion({ dev: progress('rolling-back', { message: 'verification failed: x; rolling back', previousReleaseId: 'r-old', ...(outcome && { outcome }) }), staging: progress('pending'), prod: progress('pending') });

  it('asks for the roll-back until it is answered, then ends rolled back, or failed when it failed too', () => {
    expect(advance(rolling(), facts(), NOW).action).toMatchObject({ kind: 'roll-back', releaseId: 'r-old' });
    const back = advance(rolling(ok('dev:roll-back')), facts(), NOW);
    expect(back.next.environments.dev).toMatchObject({ phase: 'rolled-back', message: 'verification failed: x; v1 runs again, ready' });
    expect(back.events.map((e) => e.type)).toEqual(['rollback.completed']);
    const worse = advance(rolling(failed('dev:roll-back', 'host down')), facts(), NOW);
    expect(worse.next.environments.dev).toMatchObject({ phase: 'failed', message: 'verification failed: x; rolling back failed too: host down' });
    expect(worse.events.map((e) => e.type)).toEqual(['rollback.failed']);
  });
});

describe('advance: the promotion as a whole', () => {
  it('ends succeeded, or failed with the failing environment’s reason, once every environment settled, telling it once', () => {
    const done = advance(promotion({ dev: progress('succeeded'), staging: progress('succeeded'), prod: progress('succeeded') }), facts(), NOW);
    expect(done.next).toMatchObject({ status: 'succeeded', message: 'v2 runs everywhere it was promoted' });
    expect(done.events.map((e) => e.type)).toEqual(['promotion.completed']);
    const bad = advance(promotion({ dev: progress('succeeded'), staging: progress('rolled-back', { message: 'verification failed' }), prod: progress('skipped') }), facts(), NOW);
    expect(bad.next).toMatchObject({ status: 'failed', message: 'verification failed' });
    expect(bad.events.map((e) => e.type)).toEqual(['promotion.failed']);
    expect(advance(done.next, facts(), NOW)).toEqual({ next: done.next, events: [] });
  });

  it('does nothing while paused', () => {
    const paused = promotion(pendingAll, { status: 'paused' });
    expect(advance(paused, facts(), NOW)).toEqual({ next: paused, events: [] });
  });

  it('is pure: the same input gives the same answer, and the input is not changed', () => {
    const input = promotion(pendingAll);
    const copy = structuredClone(input);
    expect(advance(input, facts(), NOW)).toEqual(advance(input, facts(), NOW));
    expect(input).toEqual(copy);
  });
});
