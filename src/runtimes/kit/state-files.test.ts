import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../types.js';
import { reportUnusable, StateDir, type UnitRecord } from './state-files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stateDir(): StateDir {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-state-files-'));
  dirs.push(dir);
  return new StateDir(join(dir, 'state'));
}

const record: UnitRecord = {
  key: { service: 'api', environment: 'dev', target: 'local' },
  release: { id: 'r1', version: '1', artifactDigest: null },
  configHash: 'h1',
  replicas: 2,
};

describe('StateDir', () => {
  it('writes unit records privately and reads them back', async () => {
    const state = stateDir();
    await state.init('more');
    await state.saveUnit(record);
    expect(await state.listUnits()).toEqual({ records: [record], unusable: [] });
    expect(statSync(join(state.dir, 'units', 'dev.api.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(state.dir, 'more')).mode & 0o777).toBe(0o700);
    await state.deleteUnit(record.key);
    await state.deleteUnit(record.key);
    expect((await state.listUnits()).records).toEqual([]);
  });

  it('sets aside a record that is not JSON or lacks a field, reports it once, and reads the others', async () => {
    const state = stateDir();
    await state.init();
    await state.saveUnit(record);
    writeFileSync(join(state.dir, 'units', 'dev.web.json'), '{"key":');
    writeFileSync(join(state.dir, 'units', 'prod.api.json'), JSON.stringify({ ...record, key: undefined }));
    const read = await state.listUnits();
    expect(read.records).toEqual([record]);
    expect(read.unusable).toEqual([
      { file: 'dev.web.json', reason: expect.stringMatching(/^not JSON/) },
      { file: 'prod.api.json', reason: expect.stringMatching(/^key: /) },
    ]);
    expect(readdirSync(join(state.dir, 'units')).sort()).toEqual(['dev.api.json', 'dev.web.json.unusable', 'prod.api.json.unusable']);
    expect((await state.listUnits()).unusable).toEqual([]);

    const events: RuntimeEvent[] = [];
    reportUnusable({ target: 'local', onEvent: (event) => events.push(event) }, read.unusable);
    expect(events.map((e) => [e.type, e.key, e.instance])).toEqual([
      ['record-unusable', { service: 'web', environment: 'dev', target: 'local' }, 'dev.web.json'],
      ['record-unusable', { service: 'api', environment: 'prod', target: 'local' }, 'prod.api.json'],
    ]);
    expect(existsSync(join(state.dir, 'units', 'prod.api.json'))).toBe(false);
  });
});
