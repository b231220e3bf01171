/**
 * The `cmd` provisioner through plan and apply, with a tiny node script as the command.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyResourcePlan, applyResourceRounds } from './apply.js';
import { ProvisionerError } from './errors.js';
import { serviceResourceOutputs } from './outputs.js';
import { planResources } from './plan.js';
import { requestResources } from './requests.js';
import { ProvisionerSpecs } from './schema.js';
import { openTestContext, type TestContext } from './test-context.js';

const SCRIPT = `
const fs = require('node:fs');
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const request = JSON.parse(input);
  fs.appendFileSync(process.argv[2], JSON.stringify(request) + '\\n');
  const mode = request.params.mode ?? 'ok';
  if (mode === 'fail') {
    process.stderr.write('lots of noise\\n'.repeat(500) + 'cannot create bucket; request was ' + input);
    process.exit(3);
  }
  if (mode === 'hang') return setTimeout(() => {}, 60000);
  if (mode === 'garbage') return process.stdout.write('not json');
  if (request.action === 'delete') return;
  const token = request.previous?.token ?? 'tok-' + Math.random().toString(36).slice(2) + '-zz';
  process.stdout.write(JSON.stringify({ outputs: { bucket: 'b-' + request.uid, size: 3 }, secrets: { token } }));
});
`;

let t: TestContext;
let log: string;
beforeAll(async () => {
  t = await openTestContext();
  log = join(t.dir, 'calls.jsonl');
  writeFileSync(join(t.dir, 'provision.cjs'), SCRIPT);
  writeFileSync(log, '');
});
afterAll(() => t?.close());

function calls(): Array<Record<string, unknown>> {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function planFor(environment: string, params: Record<string, unknown> | undefined, options: { timeoutSeconds?: number; users?: string[] } = {}) {
  const provisioners = ProvisionerSpecs.parse([
    { type: 's3', provisioner: 'cmd', command: process.execPath, args: ['provision.cjs', log], timeoutSeconds: options.timeoutSeconds ?? 30 },
  ]);
  const services = Object.fromEntries(
    (params === undefined ? [] : (options.users ?? ['api'])).map((name) => [name, { resources: { bucket: { type: 's3', id: 'assets', params } } }]),
  );
  const resources = requestResources({ environment, services, provisioners, workloads: [], registry: t.registry });
  return planResources(resources, await t.store.listResources({ environment }));
}

describe('cmd provisioner', () => {
  it('gets the request as JSON on stdin; its outputs are recorded, its secrets only as references', async () => {
    const plan = await planFor('dev', { size: 3 }, { users: ['api', 'web'] });
    expect(await applyResourcePlan(plan, t)).toEqual([{ uid: 's3#default#assets', result: 'created' }]);
    expect(calls().at(-1)).toEqual({
      action: 'provision',
      environment: 'dev',
      uid: 's3#default#assets',
      type: 's3',
      class: null,
      id: 'assets',
      params: { size: 3 },
      usedBy: [
        { service: 'api', resource: 'bucket' },
        { service: 'web', resource: 'bucket' },
      ],
    });
    const [record] = await t.store.listResources({ environment: 'dev' });
    expect(record?.outputs).toEqual({ bucket: 'b-s3#default#assets', size: '3', token: expect.stringMatching(/^secret:resource\.dev\./) });
    const { outputs, secretValues } = await serviceResourceOutputs('web', [record!], t.secrets);
    expect(outputs.bucket?.token).toMatch(/^tok-.*-zz$/);
    expect(secretValues).toEqual([outputs.bucket?.token]);
    expect(JSON.stringify(record)).not.toContain(outputs.bucket!.token);
    expect((await planFor('dev', { size: 3 }, { users: ['api', 'web'] })).steps).toEqual([]);
  });

  it('delete runs it with {"action":"delete"} and the outputs, then forgets the record and its secrets', async () => {
    await applyResourcePlan(await planFor('qa', {}), t);
    const [record] = await t.store.listResources({ environment: 'qa' });
    const token = (await serviceResourceOutputs('api', [record!], t.secrets)).outputs.bucket!.token;
    expect(await applyResourcePlan(await planFor('qa', undefined), t)).toEqual([{ uid: 's3#default#assets', result: 'deleted' }]);
    expect(calls().at(-1)).toMatchObject({ action: 'delete', environment: 'qa', params: {}, outputs: { bucket: 'b-s3#default#assets', token } });
    expect(await t.store.listResources({ environment: 'qa' })).toEqual([]);
    expect((await t.secrets.list()).filter((s) => s.name.startsWith('resource.qa.'))).toEqual([]);
  });

  it('a delete planned before the record changed is refused: preview again', async () => {
    await applyResourcePlan(await planFor('stale', {}), t);
    const deleting = await planFor('stale', undefined);
    await applyResourcePlan(await planFor('stale', {}, { users: ['api', 'web'] }), t);
    await expect(applyResourcePlan(deleting, t)).rejects.toThrow('resource s3#default#assets in stale changed since this plan was made; preview again');
    expect(await t.store.listResources({ environment: 'stale' })).toHaveLength(1);
  });

  it('a non-zero exit fails with the end of stderr, secrets redacted; the record stays as it was', async () => {
    await applyResourcePlan(await planFor('prod', {}), t);
    const [before] = await t.store.listResources({ environment: 'prod' });
    const token = (await serviceResourceOutputs('api', [before!], t.secrets)).outputs.bucket!.token!;
    const error = await applyResourcePlan(await planFor('prod', { mode: 'fail' }), t).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionerError);
    const message = (error as Error).message;
    expect(message).toMatch(/^updating resource s3#default#assets failed: .* exited with code 3; stderr ends with:\n/);
    expect(message).toContain('cannot create bucket; request was');
    expect(message.length).toBeLessThan(2600);
    expect(message).toContain('"token":"***"');
    expect(message).not.toContain(token);
    expect(await t.store.listResources({ environment: 'prod' })).toEqual([before]);
  });

  it('a command that outlives its timeout is killed and fails; one that prints no JSON fails', async () => {
    await expect(applyResourcePlan(await planFor('slow', { mode: 'hang' }, { timeoutSeconds: 0.3 }), t)).rejects.toThrow(/did not finish within 0.3 s and was killed/);
    await expect(applyResourcePlan(await planFor('odd', { mode: 'garbage' }), t)).rejects.toThrow(/printed no JSON on stdout/);
    expect(await t.store.listResources({ environment: 'slow' })).toEqual([]);
  });

  it('provisions a resource whose params use the outputs of another after that one, with them filled in and $$ undone', async () => {
    const provisioners = ProvisionerSpecs.parse([{ type: 's3', provisioner: 'cmd', command: process.execPath, args: ['provision.cjs', log] }]);
    const resources = {
      mirror: { type: 's3', params: { of: '${resources.origin.bucket}', note: 'costs $$5', deep: ['${resources.origin.size}'] } },
      origin: { type: 's3', params: { size: 2 } },
    };
    const plan = async () => {
      const records = await t.store.listResources({ environment: 'chain' });
      const recorded = Object.fromEntries(records.map((record) => [record.uid, record.outputs]));
      return planResources(requestResources({ environment: 'chain', services: { api: { resources } }, provisioners, workloads: [], registry: t.registry, recorded }), records);
    };
    const first = await plan();
    expect(first.steps.map((step) => step.kind === 'delete' ? '' : step.resource.uid)).toEqual(['api.origin']);
    expect(first.waiting?.map((w) => [w.resource.uid, w.reason])).toEqual([['api.mirror', 'its params use outputs of api.origin, not provisioned yet']]);
    expect(await applyResourceRounds(first, t, plan)).toEqual([
      { uid: 'api.origin', result: 'created' },
      { uid: 'api.mirror', result: 'created' },
    ]);
    expect(calls().at(-1)).toMatchObject({ uid: 'api.mirror', params: { of: 'b-api.origin', note: 'costs $5', deep: ['3'] } });
    const [mirror] = (await t.store.listResources({ environment: 'chain' })).filter((record) => record.uid === 'api.mirror');
    expect(mirror?.params).toEqual({ of: 'b-api.origin', note: 'costs $5', deep: ['3'] });
    expect(await plan()).toEqual({ steps: [] });
  });
});
