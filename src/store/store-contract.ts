/**
 * The contract every `Store` backend passes, as one function that registers a vitest suite.
 * Tests share one store per suite (the embedded backend takes seconds to open) and stay
 * independent by using names no other test uses.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environment, type Service } from '../inputs/schema.js';
import type { ObservedUnit } from '../desired/types.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { NewRelease, NewResourceRecord, Store } from './types.js';
import type { Lease } from './lease-store.js';
import { holderId, thisProcess } from '../lease/holder.js';
import { hostname } from 'node:os';

/**
 * Registers the contract suite `name`. `open` gives a store to test (it may hold data of earlier
 * runs); `reopen`, when given, closes the store it is handed and opens the same data again, which
 * proves that what was recorded survives a restart.
 */
export function storeContract(name: string, open: () => Promise<Store>, reopen?: (closing: Store) => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    describe('project', () => {
      it('syncProject replaces services, environments and targets, listed by name', async () => {
        const [a, b, c] = [unique('a'), unique('b'), unique('c')];
        await store.syncProject({
          services: { [b]: spec('b'), [a]: spec('a') },
          environments: { dev: environment('local') },
          targets: { local: { runtime: 'null' } },
        });
        await store.syncProject({
          services: { [c]: spec('c'), [a]: spec('a2') },
          environments: { prod: environment('edge') },
          targets: { edge: { runtime: 'null' } },
        });
        expect(await store.listServices()).toEqual([
          { name: a, spec: spec('a2') },
          { name: c, spec: spec('c') },
        ]);
        expect(await store.listEnvironments()).toEqual([{ name: 'prod', spec: environment('edge') }]);
        expect(await store.listTargets()).toEqual([{ name: 'edge', spec: { runtime: 'null' } }]);
      });

      it('syncProject with nothing empties every list', async () => {
        await store.syncProject({ services: { [unique('s')]: spec('s') }, environments: {}, targets: {} });
        await store.syncProject({ services: {}, environments: {}, targets: {} });
        expect(await store.listServices()).toEqual([]);
        expect(await store.listEnvironments()).toEqual([]);
        expect(await store.listTargets()).toEqual([]);
      });
    });

    describe('releases', () => {
      it('putRelease records a release that can be got by id and by version', async () => {
        const input = newRelease(unique('api'), 'v1');
        const created = await store.putRelease(input);
        expect(created).toMatchObject({ ...input, id: expect.any(String) });
        expect(created.createdAt).toBeInstanceOf(Date);
        expect(await store.getRelease(created.id)).toEqual(created);
        expect(await store.findRelease(input.service, 'v1')).toEqual(created);
      });

      it('putRelease is idempotent for the same content', async () => {
        const input = newRelease(unique('api'), 'v1');
        const first = await store.putRelease(input);
        expect(await store.putRelease({ ...input, createdBy: 'someone else' })).toEqual(first);
        expect(await store.listReleases(input.service)).toHaveLength(1);
      });

      it('putRelease of a known version with other content throws ConflictError and changes nothing', async () => {
        const input = newRelease(unique('api'), 'v1');
        const first = await store.putRelease(input);
        await expect(store.putRelease({ ...input, specHash: 'other' })).rejects.toBeInstanceOf(ConflictError);
        await expect(store.putRelease({ ...input, artifactDigest: 'sha256:other' })).rejects.toBeInstanceOf(ConflictError);
        expect(await store.listReleases(input.service)).toEqual([first]);
      });

      it('concurrent puts of one version agree on one release', async () => {
        const input = newRelease(unique('api'), 'v1');
        const results = await Promise.all([1, 2, 3, 4].map(() => store.putRelease(input)));
        expect(new Set(results.map((r) => r.id)).size).toBe(1);
      });

      it('lists releases of one service, newest first; unknown ones are undefined', async () => {
        const service = unique('api');
        for (const version of ['v1', 'v2', 'v3']) await store.putRelease(newRelease(service, version));
        await store.putRelease(newRelease(unique('other'), 'v9'));
        expect((await store.listReleases(service)).map((r) => r.version)).toEqual(['v3', 'v2', 'v1']);
        expect(await store.getRelease(randomUUID())).toBeUndefined();
        expect(await store.findRelease(service, 'v4')).toBeUndefined();
      });
    });

    describe('deployments', () => {
      it('createDeployment starts running, with its events in the same transaction, and is listed newest first, filtered', async () => {
        const service = unique('api');
        const release = await store.putRelease(newRelease(service, 'v1'));
        const started = { type: 'deployment.started', actor: 'ann', service, environment: 'dev', message: 'ann started deploying' };
        const first = await store.createDeployment({ service, environment: 'dev', releaseId: release.id, createdBy: 'ann', targets: ['eu'], strategy: 'all-at-once' }, [started]);
        const second = await store.createDeployment({ service, environment: 'prod', releaseId: release.id, createdBy: 'bob' });
        expect(first).toMatchObject({ service, environment: 'dev', releaseId: release.id, status: 'running', createdBy: 'ann', finishedAt: null, targets: ['eu'], strategy: 'all-at-once' });
        expect(second).toMatchObject({ targets: null, strategy: null });
        expect(first.createdAt).toBeInstanceOf(Date);
        expect((await store.listEvents({ service })).map((e) => e.type)).toEqual(['deployment.started']);
        expect((await store.listDeployments({ service })).map((d) => d.id)).toEqual([second.id, first.id]);
        expect((await store.listDeployments({ service, environment: 'dev' })).map((d) => d.id)).toEqual([first.id]);
        expect((await store.listDeployments({ service, limit: 1 })).map((d) => d.id)).toEqual([second.id]);
        await store.finishDeployment(second.id, { status: 'succeeded', message: 'done' });
        expect((await store.listDeployments({ service, statuses: ['running'] })).map((d) => d.id)).toEqual([first.id]);
        expect((await store.listDeployments({ service, statuses: ['succeeded'] })).map((d) => d.id)).toEqual([second.id]);
      });

      it('createDeployment with an id is idempotent: the deployment of that id is returned, and nothing is recorded again', async () => {
        const service = unique('api');
        const release = await store.putRelease(newRelease(service, 'v1'));
        const id = randomUUID();
        const started = { type: 'deployment.started', actor: 'slipway', service, message: 'started' };
        const first = await store.createDeployment({ id, service, environment: 'dev', releaseId: release.id, createdBy: 'slipway' }, [started]);
        const again = await store.createDeployment({ id, service, environment: 'dev', releaseId: release.id, createdBy: 'slipway' }, [started]);
        expect(again).toEqual(first);
        expect(await store.listEvents({ service })).toHaveLength(1);
        await expect(store.createDeployment({ id, service, environment: 'prod', releaseId: release.id, createdBy: 'slipway' })).rejects.toBeInstanceOf(ConflictError);
      });

      it('createDeployment of an unknown release throws NotFoundError', async () => {
        await expect(
          store.createDeployment({ service: unique('api'), environment: 'dev', releaseId: randomUUID(), createdBy: 'ann' }),
        ).rejects.toBeInstanceOf(NotFoundError);
      });

      it('journals steps in order, before and after they act', async () => {
        const deployment = await deploy(store, unique('api'), 'dev', 'v1');
        const first = await store.startStep(deployment.id, { kind: 'deploy', target: 'local', message: 'starting v1' });
        const second = await store.startStep(deployment.id, { kind: 'verify', target: 'local', message: 'checking' });
        expect([first, second]).toEqual([0, 1]);
        await store.finishStep(deployment.id, first, { status: 'succeeded', message: 'started' });
        const got = await store.getDeployment(deployment.id);
        expect(got?.steps.map(({ index, kind, status, message }) => ({ index, kind, status, message }))).toEqual([
          { index: 0, kind: 'deploy', status: 'succeeded', message: 'started' },
          { index: 1, kind: 'verify', status: 'running', message: 'checking' },
        ]);
        expect(got?.steps[0]?.finishedAt).toBeInstanceOf(Date);
        expect(got?.steps[1]?.finishedAt).toBeNull();
        expect(got?.steps[1]?.startedAt).toBeInstanceOf(Date);
      });

      it('concurrent steps of one deployment get distinct indexes', async () => {
        const deployment = await deploy(store, unique('api'), 'dev', 'v1');
        const indexes = await Promise.all(['a', 'b', 'c', 'd'].map((target) => store.startStep(deployment.id, { kind: 'deploy', target, message: '' })));
        expect([...indexes].sort()).toEqual([0, 1, 2, 3]);
      });

      it('steps of unknown deployments throw NotFoundError', async () => {
        await expect(store.startStep(randomUUID(), { kind: 'deploy', target: 't', message: '' })).rejects.toBeInstanceOf(NotFoundError);
        const deployment = await deploy(store, unique('api'), 'dev', 'v1');
        await expect(store.finishStep(deployment.id, 7, { status: 'failed', message: '' })).rejects.toBeInstanceOf(NotFoundError);
      });

      it('finishDeployment ends it once, with its events in the same transaction; a second end writes nothing', async () => {
        const deployment = await deploy(store, unique('api'), 'dev', 'v1');
        expect(await store.getDeployment(deployment.id)).toMatchObject({ status: 'running', finishedAt: null });
        const ended = { type: 'deployment.failed', actor: 'ann', service: deployment.service, message: 'verify failed' };
        expect(await store.finishDeployment(deployment.id, { status: 'failed', message: 'verify failed' }, [ended])).toBe(true);
        const failed = await store.getDeployment(deployment.id);
        expect(failed).toMatchObject({ status: 'failed', message: 'verify failed' });
        expect(failed?.finishedAt).toBeInstanceOf(Date);
        expect(await store.finishDeployment(deployment.id, { status: 'succeeded', message: 'oops' }, [ended])).toBe(false);
        expect(await store.getDeployment(deployment.id)).toMatchObject({ status: 'failed' });
        expect(await store.listEvents({ service: deployment.service })).toHaveLength(1);
        await expect(store.finishDeployment(randomUUID(), { status: 'failed', message: '' })).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.getDeployment(randomUUID())).toBeUndefined();
      });

      it('currentRelease is the release of the newest succeeded deployment, ignoring failed ones', async () => {
        const service = unique('api');
        expect(await store.currentRelease(service, 'prod')).toBeUndefined();
        const v1 = await deploy(store, service, 'prod', 'v1', 'succeeded');
        const v2 = await deploy(store, service, 'prod', 'v2', 'succeeded');
        await deploy(store, service, 'prod', 'v3', 'failed');
        await deploy(store, service, 'prod', 'v4');
        await deploy(store, service, 'dev', 'v5', 'succeeded');
        expect((await store.currentRelease(service, 'prod'))?.id).toBe(v2.releaseId);
        // A rollback is a newer deployment of an older release.
        await deploy(store, service, 'prod', 'v1', 'succeeded');
        expect((await store.currentRelease(service, 'prod'))?.id).toBe(v1.releaseId);
        expect((await store.currentRelease(service, 'dev'))?.version).toBe('v5');
      });

      it('newestDeployments gives the newest deployment of each (service, environment) and its version, among the statuses asked for', async () => {
        const service = unique('api');
        await deploy(store, service, 'prod', 'v1', 'succeeded');
        const v2 = await deploy(store, service, 'prod', 'v2', 'succeeded');
        const v3 = await deploy(store, service, 'prod', 'v3');
        const dev = await deploy(store, service, 'dev', 'v1', 'failed');
        const mine = async (statuses?: Parameters<Store['newestDeployments']>[0]) =>
          (await store.newestDeployments(statuses)).filter((d) => d.service === service).sort((a, b) => a.environment.localeCompare(b.environment));
        expect(await mine()).toEqual([
          { service, environment: 'dev', deploymentId: dev.id, status: 'failed', releaseId: dev.releaseId, version: 'v1' },
          { service, environment: 'prod', deploymentId: v3.id, status: 'running', releaseId: v3.releaseId, version: 'v3' },
        ]);
        expect(await mine(['succeeded'])).toEqual([{ service, environment: 'prod', deploymentId: v2.id, status: 'succeeded', releaseId: v2.releaseId, version: 'v2' }]);
        expect((await mine(['succeeded']))[0]!.releaseId).toBe((await store.currentRelease(service, 'prod'))!.id);
        expect(await mine([])).toEqual([]);
      });
    });

    describe('observed', () => {
      it('putObserved replaces what is recorded on that target only', async () => {
        const [service, t1, t2] = [unique('api'), unique('t1'), unique('t2')];
        const at = new Date('2030-01-02T03:04:05.678Z');
        await store.putObserved(t1, [observed(service, 'dev', t1), observed(service, 'prod', t1)], at);
        await store.putObserved(t2, [observed(service, 'dev', t2)], at);
        await store.putObserved(t1, [observed(service, 'prod', t1, 'degraded')], at);
        const records = await store.listObserved({ service });
        expect(records.map((r) => [r.environment, r.target, r.health])).toEqual([
          ['dev', t2, 'healthy'],
          ['prod', t1, 'degraded'],
        ]);
        expect(records[1]).toEqual({ ...observed(service, 'prod', t1, 'degraded'), observedAt: at });
        await store.putObserved(t1, [], at);
        expect(await store.listObserved({ service, target: t1 })).toEqual([]);
        expect(await store.listObserved({ service, environment: 'dev' })).toHaveLength(1);
      });

      it('patchObserved changes only the units it names, on that target only', async () => {
        const [service, t1, t2] = [unique('api'), unique('t1'), unique('t2')];
        const [before, after] = [new Date('2030-01-02T03:04:05.678Z'), new Date('2030-01-02T03:04:06.789Z')];
        await store.putObserved(t1, [observed(service, 'dev', t1), observed(service, 'prod', t1), observed(service, 'qa', t1)], before);
        await store.putObserved(t2, [observed(service, 'dev', t2)], before);
        await store.patchObserved(t1, { put: [observed(service, 'prod', t1, 'degraded'), observed(service, 'staging', t1)], drop: [{ service, environment: 'qa', target: t1 }] }, after);
        const records = await store.listObserved({ service });
        expect(records.map((r) => [r.environment, r.target, r.health, r.observedAt])).toEqual([
          ['dev', t1, 'healthy', before],
          ['dev', t2, 'healthy', before],
          ['prod', t1, 'degraded', after],
          ['staging', t1, 'healthy', after],
        ]);
        expect(records[2]).toEqual({ ...observed(service, 'prod', t1, 'degraded'), observedAt: after });
        await expect(store.patchObserved(t1, { put: [observed(service, 'dev', t2)], drop: [] }, after)).rejects.toBeInstanceOf(ConflictError);
        await expect(store.patchObserved(t1, { put: [], drop: [{ service, environment: 'dev', target: t2 }] }, after)).rejects.toBeInstanceOf(ConflictError);
        expect(await store.listObserved({ service })).toEqual(records);
      });

      it('putObserved refuses a unit of another target', async () => {
        const [t1, t2] = [unique('t1'), unique('t2')];
        await expect(store.putObserved(t1, [observed(unique('api'), 'dev', t2)], new Date())).rejects.toBeInstanceOf(ConflictError);
      });
    });

    describe('events', () => {
      it('appendEvent assigns strictly increasing seq and the time; listEvents is oldest first', async () => {
        const service = unique('api');
        const first = await store.appendEvent({ type: 'deployment.started', actor: 'ann', service, environment: 'dev', message: 'one', data: { n: 1 } });
        const second = await store.appendEvent({ type: 'instance.crashed', actor: 'runtime:local', service, message: 'two' });
        expect(second.seq).toBeGreaterThan(first.seq);
        expect(first.at).toBeInstanceOf(Date);
        expect(second).toMatchObject({ service, environment: null, data: {} });
        expect(await store.listEvents({ service })).toEqual([first, second]);
      });

      it('listEvents filters by afterSeq, service, environment, type, limit and last', async () => {
        const [a, b] = [unique('a'), unique('b')];
        const e1 = await store.appendEvent({ type: 't', actor: 'x', service: a, environment: 'dev', message: '1' });
        const e2 = await store.appendEvent({ type: 't', actor: 'x', service: b, environment: 'dev', message: '2' });
        const e3 = await store.appendEvent({ type: 't', actor: 'x', service: a, environment: 'prod', message: '3' });
        expect((await store.listEvents({ afterSeq: e1.seq })).map((e) => e.seq)).toEqual([e2.seq, e3.seq]);
        expect((await store.listEvents({ service: a })).map((e) => e.seq)).toEqual([e1.seq, e3.seq]);
        expect((await store.listEvents({ service: a, environment: 'prod' })).map((e) => e.seq)).toEqual([e3.seq]);
        expect((await store.listEvents({ afterSeq: e1.seq - 1, limit: 2 })).map((e) => e.seq)).toEqual([e1.seq, e2.seq]);
        expect((await store.listEvents({ service: a, last: 1 })).map((e) => e.seq)).toEqual([e3.seq]);
        expect((await store.listEvents({ afterSeq: e1.seq - 1, last: 2 })).map((e) => e.seq)).toEqual([e2.seq, e3.seq]);
        const e4 = await store.appendEvent({ type: 'u', actor: 'x', service: b, message: '4' });
        expect((await store.listEvents({ afterSeq: e1.seq - 1, type: 'u' })).map((e) => e.seq)).toEqual([e4.seq]);
        expect((await store.listEvents({ afterSeq: e1.seq - 1, type: 't', last: 1 })).map((e) => e.seq)).toEqual([e3.seq]);
      });

      it('concurrent appends get distinct, increasing seq', async () => {
        const service = unique('api');
        const appended = await Promise.all([1, 2, 3, 4, 5].map((n) => store.appendEvent({ type: 't', actor: 'x', service, message: String(n) })));
        const listed = await store.listEvents({ service });
        expect(new Set(listed.map((e) => e.seq)).size).toBe(5);
        expect(listed.map((e) => e.seq)).toEqual(appended.map((e) => e.seq).sort((x, y) => x - y));
      });
    });

    describe('builds', () => {
      const asked = (service: string, commit: string) => ({ service, ref: 'v1.0.0', commit, trigger: 'webhook' as const, actor: 'github:ann' });

      it('queues one build per commit of a service while one stands; a failed one may be built again', async () => {
        const service = unique('web');
        const first = await store.builds.queueBuild(asked(service, 'c1'));
        expect(first).toMatchObject({ queued: true, build: { service, commit: 'c1', status: 'queued', ref: 'v1.0.0' } });
        const again = await store.builds.queueBuild({ ...asked(service, 'c1'), ref: 'v1.0.1' });
        expect(again).toEqual({ queued: false, build: first.build });
        expect((await store.builds.queueBuild(asked(unique('other'), 'c1'))).queued).toBe(true);

        expect(await store.builds.startBuild(first.build.id, 'building')).toMatchObject({ status: 'running', message: 'building' });
        expect(await store.builds.startBuild(first.build.id, 'building')).toBeUndefined();
        expect(await store.builds.finishBuild(first.build.id, { status: 'failed', message: 'exit 1' })).toBe(true);
        expect(await store.builds.finishBuild(first.build.id, { status: 'succeeded', message: 'late' })).toBe(false);
        expect(await store.builds.getBuild(first.build.id)).toMatchObject({ status: 'failed', message: 'exit 1' });

        const retried = await store.builds.queueBuild(asked(service, 'c1'));
        expect(retried.queued).toBe(true);
        expect(retried.build.id).not.toBe(first.build.id);
        expect((await store.builds.listBuilds({ service })).map((b) => b.id)).toEqual([retried.build.id, first.build.id]);
        expect((await store.builds.listBuilds({ service, statuses: ['queued'] })).map((b) => b.id)).toEqual([retried.build.id]);
      });

      it('keeps a succeeded build with its image and release, and its log in order', async () => {
        const { build } = await store.builds.queueBuild(asked(unique('web'), 'c2'));
        await store.builds.startBuild(build.id, 'building');
        await store.builds.appendBuildLog(build.id, ['STEP 1/2', 'STEP 2/2']);
        await store.builds.appendBuildLog(build.id, ['pushed']);
        const image = '127.0.0.1:5000/web@sha256:' + 'a'.repeat(64);
        await store.builds.finishBuild(build.id, { status: 'succeeded', message: 'built', image, releaseId: 'r-1' });
        expect(await store.builds.getBuild(build.id)).toMatchObject({ status: 'succeeded', image, releaseId: 'r-1', artifactDigest: null });
        expect(await store.builds.readBuildLog(build.id)).toEqual({ lines: ['STEP 1/2', 'STEP 2/2', 'pushed'], next: 3 });
        expect(await store.builds.readBuildLog(build.id, 2)).toEqual({ lines: ['pushed'], next: 3 });
        expect(await store.builds.readBuildLog(build.id, 3)).toEqual({ lines: [], next: 3 });
      });
    });

    describe('leases', () => {
      const me = holderId(thisProcess());
      const other = `${hostname()}-elsewhere/1/1`; // another host: never known dead, only expired

      it('takes a free lease once: a second taker finds it held, until it is released', async () => {
        const key = unique('unit');
        const first = await store.leases.takeLease(key, me, 60_000);
        expect(first).toMatchObject({ taken: { key, holder: me }, recovered: false });
        expect(await store.leases.takeLease(key, other, 60_000)).toMatchObject({ heldBy: { key, holder: me } });
        const lease = (first as { taken: Lease }).taken;
        expect(await store.leases.renewLease(lease, 60_000)).toBe(true);
        await store.leases.releaseLease(lease);
        expect(await store.leases.takeLease(key, other, 60_000)).toMatchObject({ taken: { holder: other }, recovered: false });
        expect(await store.leases.renewLease(lease, 60_000)).toBe(false); // that taking is over
      });

      it('two takers at once: exactly one wins', async () => {
        const key = unique('race');
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => store.leases.takeLease(key, `${other}-${i}`, 60_000)));
        expect(results.filter((r) => 'taken' in r)).toHaveLength(1);
      });

      it('takes over an expired lease, or one whose holder is known dead, as recovered; a released one is not', async () => {
        const expiring = unique('expiring');
        const short = await store.leases.takeLease(expiring, other, 50);
        expect('taken' in short).toBe(true);
        let result = await store.leases.takeLease(expiring, me, 60_000);
        for (let i = 0; i < 100 && !('taken' in result); i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          result = await store.leases.takeLease(expiring, me, 60_000);
        }
        expect(result).toMatchObject({ taken: { holder: me }, recovered: true });

        const dead = unique('dead');
        const reused = `${hostname()}/${process.pid}/1`; // this pid, another start time: not that process
        const gone = `${hostname()}/2147483646/7`;
        await store.leases.takeLease(dead, reused, 60_000);
        await store.leases.takeLease(`${dead}-2`, gone, 60_000);
        expect((await store.leases.abandonedLeases()).map((l) => l.key)).toEqual(expect.arrayContaining([dead, `${dead}-2`]));
        expect(await store.leases.takeLease(dead, me, 60_000)).toMatchObject({ taken: { holder: me }, recovered: true });
        expect((await store.leases.abandonedLeases()).map((l) => l.key)).not.toContain(dead);
        expect(await store.leases.renewLease({ key: dead, holder: reused, token: 'stale', expiresAt: new Date() }, 60_000)).toBe(false);
      });
    });

    describe('secrets', () => {
      it('putSecret stores bytes as given; a second put replaces them and keeps createdAt', async () => {
        const name = unique('s');
        const first = { ciphertext: Uint8Array.from([0, 1, 2, 255]), nonce: Uint8Array.from([9, 8, 7]) };
        await store.putSecret(name, first);
        const got = await store.getSecret(name);
        expect(got).toMatchObject({ name, ...first });
        expect(got?.ciphertext).toBeInstanceOf(Uint8Array);
        await store.putSecret(name, { ciphertext: Uint8Array.from([3]), nonce: Uint8Array.from([4]) });
        const replaced = await store.getSecret(name);
        expect(replaced).toMatchObject({ name, ciphertext: Uint8Array.from([3]), nonce: Uint8Array.from([4]), createdAt: got?.createdAt });
        expect(replaced!.updatedAt.getTime()).toBeGreaterThanOrEqual(got!.updatedAt.getTime());
      });

      it('listSecrets gives names and timestamps only, by name; deleteSecret says whether it deleted', async () => {
        const [b, a] = [unique('b'), unique('a')];
        for (const name of [b, a]) await store.putSecret(name, { ciphertext: Uint8Array.from([1]), nonce: Uint8Array.from([2]) });
        const listed = (await store.listSecrets()).filter((s) => s.name === a || s.name === b);
        expect(listed.map((s) => Object.keys(s).sort())).toEqual([['createdAt', 'name', 'updatedAt'], ['createdAt', 'name', 'updatedAt']]);
        expect(listed.map((s) => s.name)).toEqual([a, b]);
        expect(await store.deleteSecret(a)).toBe(true);
        expect(await store.deleteSecret(a)).toBe(false);
        expect(await store.getSecret(a)).toBeUndefined();
      });
    });

    describe('resources', () => {
      it('putResource records and replaces per (environment, uid), keeping createdAt; listed by uid', async () => {
        const uid = unique('postgres#default#main');
        const first = await store.putResource(resource('dev', uid, { host: 'a' }));
        await store.putResource(resource('prod', uid, { host: 'p' }));
        expect(first).toMatchObject(resource('dev', uid, { host: 'a' }));
        const second = await store.putResource({ ...resource('dev', uid, { host: 'b' }), usedBy: [{ service: 'web', resource: 'db' }] });
        expect(second).toMatchObject({ outputs: { host: 'b' }, usedBy: [{ service: 'web', resource: 'db' }], createdAt: first.createdAt });
        expect(await store.getResource('dev', uid)).toEqual(second);
        const mine = (await store.listResources()).filter((r) => r.uid === uid);
        expect(mine.map((r) => [r.environment, r.outputs.host])).toEqual([
          ['dev', 'b'],
          ['prod', 'p'],
        ]);
        expect((await store.listResources({ environment: 'prod' })).filter((r) => r.uid === uid)).toHaveLength(1);
      });

      it('deleteResource deletes one environment\'s record and says whether it did', async () => {
        const uid = unique('route#default#www');
        await store.putResource(resource('dev', uid, {}));
        await store.putResource(resource('prod', uid, {}));
        expect(await store.deleteResource('dev', uid)).toBe(true);
        expect(await store.deleteResource('dev', uid)).toBe(false);
        expect(await store.getResource('dev', uid)).toBeUndefined();
        expect(await store.getResource('prod', uid)).toBeDefined();
      });
    });

    if (reopen) {
      it('secrets and resources survive close and reopen', async () => {
        const name = unique('kept');
        await store.putSecret(name, { ciphertext: Uint8Array.from([5, 6]), nonce: Uint8Array.from([7]) });
        const record = await store.putResource(resource('dev', name, { port: '5432' }));
        const before = await store.getSecret(name);
        store = await reopen(store);
        expect(await store.getSecret(name)).toEqual(before);
        expect(await store.getResource('dev', name)).toEqual(record);
      });
    }

    if (reopen) {
      it('everything recorded survives close and reopen', async () => {
        const service = unique('api');
        await store.syncProject({ services: { [service]: spec('kept') }, environments: {}, targets: {} });
        const deployment = await deploy(store, service, 'dev', 'v1', 'succeeded');
        await store.startStep(deployment.id, { kind: 'deploy', target: 'local', message: 'kept' });
        await store.putObserved(`${service}-t`, [observed(service, 'dev', `${service}-t`)], new Date('2030-01-01T00:00:00Z'));
        const event = await store.appendEvent({ type: 'kept', actor: 'x', service, message: 'kept' });
        const before = {
          services: await store.listServices(),
          deployment: await store.getDeployment(deployment.id),
          current: await store.currentRelease(service, 'dev'),
          observed: await store.listObserved({ service }),
          events: await store.listEvents({ service }),
        };

        store = await reopen(store);
        expect({
          services: await store.listServices(),
          deployment: await store.getDeployment(deployment.id),
          current: await store.currentRelease(service, 'dev'),
          observed: await store.listObserved({ service }),
          events: await store.listEvents({ service }),
        }).toEqual(before);
        expect(before.events).toEqual([event]);
        const next = await store.appendEvent({ type: 'after', actor: 'x', service, message: '' });
        expect(next.seq).toBeGreaterThan(event.seq);
      });
    }
  });
}

/** A name no other test uses, so tests sharing a store cannot see each other's records. */
function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function spec(command: string): Service {
  return { workload: { command, args: ['--port', '8080'], env: { MODE: 'test' }, ports: { http: 'auto' } }, replicas: 2, resources: {}, environments: {} };
}

/** A first environment on `target`, with every default the schema gives. */
function environment(target: string): Environment {
  return Environment.parse({ promotesFrom: [], targets: [target] });
}

function newRelease(service: string, version: string): NewRelease {
  return { service, version, artifactDigest: `sha256:${version}`, specHash: `hash-${version}`, spec: spec(service), createdBy: 'ci' };
}

/** Creates (or reuses) release `version` and deploys it; `status` is where the deployment ends. */
async function deploy(store: Store, service: string, environment: string, version: string, status?: 'succeeded' | 'partial' | 'failed') {
  const release = await store.putRelease(newRelease(service, version));
  const deployment = await store.createDeployment({ service, environment, releaseId: release.id, createdBy: 'ann' });
  if (status) await store.finishDeployment(deployment.id, { status, message: status });
  return deployment;
}

function observed(service: string, environment: string, target: string, health: ObservedUnit['health'] = 'healthy'): ObservedUnit {
  return {
    service,
    environment,
    target,
    release: { id: `${service}@v1`, version: 'v1', artifactDigest: null },
    configHash: 'cfg',
    replicas: 1,
    instances: [
      {
        id: `${environment}.${service}.0`,
        replica: 0,
        state: 'ready',
        release: { id: `${service}@v1`, version: 'v1', artifactDigest: null },
        configHash: 'cfg',
        host: '10.0.0.5',
        pid: 4242,
        ports: { http: 8080 },
        restarts: 1,
        startedAt: new Date('2030-01-01T00:00:00.123Z'),
      },
    ],
    health,
  };
}

function resource(environment: string, uid: string, outputs: Record<string, string>): NewResourceRecord {
  return {
    environment,
    uid,
    type: 'postgres',
    class: null,
    id: 'main',
    provisioner: { type: 'postgres', provisioner: 'postgres', adminUrl: 'secret:admin' },
    params: { size: 3 },
    paramsHash: 'h1',
    outputs,
    usedBy: [{ service: 'api', resource: 'db' }],
  };
}
