import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.js';
import { desiredState, desiredUnit, resolveWorkload } from './resolve.js';
import { release, serviceSpec } from './test-fixtures.js';

const projectDir = '/srv/project';
const digest = `sha256:${'ab'.repeat(32)}`;
const artifactPath = (d: string) => `/store/${d.slice('sha256:'.length)}`;

describe('resolveWorkload', () => {
  const spec = serviceSpec(
    {
      replicas: 2,
      environments: { prod: { replicas: 4, env: { LOG: 'warn', REGION: 'eu' }, ports: { admin: 9001 } } },
    },
    { env: { LOG: 'debug', NAME: 'api' }, ports: { http: 8080, admin: 'auto' }, workingDir: 'services/api' },
  );

  it('merges env and ports key by key and replaces replicas', () => {
    const { workload, replicas } = resolveWorkload(spec, 'prod', { projectDir, artifactDigest: null });
    expect(replicas).toBe(4);
    expect(workload.env).toEqual({ LOG: 'warn', NAME: 'api', REGION: 'eu' });
    expect(workload.ports).toEqual({ http: 8080, admin: 9001 });
  });

  it('uses the base service in an environment without an override', () => {
    const { workload, replicas } = resolveWorkload(spec, 'dev', { projectDir, artifactDigest: null });
    expect(replicas).toBe(2);
    expect(workload.env).toEqual({ LOG: 'debug', NAME: 'api' });
    expect(workload.ports).toEqual({ http: 8080, admin: 'auto' });
  });

  it('makes workingDir absolute, defaulting to the project directory', () => {
    expect(resolveWorkload(spec, 'dev', { projectDir, artifactDigest: null }).workload.workingDir).toBe('/srv/project/services/api');
    expect(resolveWorkload(serviceSpec(), 'dev', { projectDir, artifactDigest: null }).workload.workingDir).toBe(projectDir);
  });

  it('runs in the artifact snapshot when the release has one', () => {
    const withArtifact = serviceSpec({}, { artifact: 'dist' });
    expect(resolveWorkload(withArtifact, 'dev', { projectDir, artifactDigest: digest, artifactPath }).workload.workingDir).toBe(
      `/store/${'ab'.repeat(32)}`,
    );
    expect(resolveWorkload(withArtifact, 'dev', { projectDir, artifactDigest: null }).workload.workingDir).toBe('/srv/project/dist');
    expect(() => resolveWorkload(withArtifact, 'dev', { projectDir, artifactDigest: digest })).toThrow(TypeError);
  });

  it('does not modify the service definition', () => {
    const before = structuredClone(spec);
    resolveWorkload(spec, 'prod', { projectDir, artifactDigest: null });
    expect(spec).toEqual(before);
  });
});

describe('desiredUnit', () => {
  const unit = (spec = serviceSpec(), version = '1.0.0') => desiredUnit(release('api', version, spec), 'dev', 'local', { projectDir });

  it('carries the key, the release reference and the resolved replicas', () => {
    const u = unit(serviceSpec({ environments: { dev: { replicas: 3 } } }));
    expect(u).toMatchObject({ service: 'api', environment: 'dev', target: 'local', replicas: 3 });
    expect(u.release).toEqual({ id: 'api@1.0.0', version: '1.0.0', artifactDigest: null });
  });

  it('changes its configHash when env, ports or the release change', () => {
    const base = unit().configHash;
    expect(unit(serviceSpec({}, { env: { A: '1' } })).configHash).not.toBe(base);
    expect(unit(serviceSpec({ environments: { dev: { env: { A: '1' } } } })).configHash).not.toBe(base);
    expect(unit(serviceSpec({}, { ports: { http: 80 } })).configHash).not.toBe(base);
    expect(unit(serviceSpec(), '1.0.1').configHash).not.toBe(base);
  });

  it('keeps its configHash when only replicas or key order change', () => {
    const base = unit(serviceSpec({}, { env: { A: '1', B: '2' } })).configHash;
    expect(unit(serviceSpec({ replicas: 5 }, { env: { A: '1', B: '2' } })).configHash).toBe(base);
    expect(unit(serviceSpec({ environments: { dev: { replicas: 0 } } }, { env: { B: '2', A: '1' } })).configHash).toBe(base);
  });
});

describe('desiredState', () => {
  it('sorts units by service, environment and target', () => {
    const r = release('api', '1.0.0');
    const web = release('web', '1.0.0');
    const units = [
      desiredUnit(web, 'dev', 'a', { projectDir }),
      desiredUnit(r, 'prod', 'a', { projectDir }),
      desiredUnit(r, 'dev', 'b', { projectDir }),
      desiredUnit(r, 'dev', 'a', { projectDir }),
    ];
    expect(desiredState(units).units.map((u) => `${u.service}/${u.environment}@${u.target}`)).toEqual([
      'api/dev@a',
      'api/dev@b',
      'api/prod@a',
      'web/dev@a',
    ]);
  });

  it('refuses two units with the same key', () => {
    const u = desiredUnit(release('api', '1.0.0'), 'dev', 'local', { projectDir });
    expect(() => desiredState([u, u])).toThrow(ConflictError);
    expect(() => desiredState([u, u])).toThrow('api/dev@local is desired twice');
  });
});
