import { describe, expect, it } from 'vitest';
import { decodeLabels, encodeLabels, labelFilter, LABEL, type InstanceLabels } from './labels.js';

const instance: InstanceLabels = {
  key: { service: 'api', environment: 'prod', target: 'box' },
  release: { id: 'rel-1', version: '1.2.0', artifactDigest: null },
  configHash: 'abc',
  replica: 2,
  generation: 5,
  ports: { http: 8082 },
  readinessProbe: { port: 8082, path: '/healthz', timeoutSeconds: 1 },
};

describe('container labels', () => {
  it('read back what they wrote, with and without digest and probe', () => {
    expect(decodeLabels(encodeLabels(instance))).toEqual(instance);
    const { readinessProbe: _, ...bare } = { ...instance, release: { ...instance.release, artifactDigest: 'sha256:00' } };
    expect(decodeLabels(encodeLabels(bare))).toEqual(bare);
  });

  it('read back a liveness probe, HTTP with headers or exec, with its timing', () => {
    const timing = { timeoutSeconds: 1, initialDelaySeconds: 2, periodSeconds: 3, failureThreshold: 4 };
    const http = { ...instance, livenessProbe: { port: 8082, path: '/livez', headers: [{ name: 'X-Probe', value: 'live' }], ...timing } };
    const exec = { ...instance, livenessProbe: { exec: ['cat', '/tmp/alive'], ...timing } };
    expect([decodeLabels(encodeLabels(http)), decodeLabels(encodeLabels(exec))]).toEqual([http, exec]);
    expect(decodeLabels({ ...encodeLabels(exec), [LABEL.liveness]: JSON.stringify({ exec: ['true'], timeoutSeconds: 1 }) })).toBeUndefined();
  });

  it('read back which containers are steps, on the step and on the first container', () => {
    const first = { ...instance, sidecars: ['proxy'], steps: ['migrate'] };
    const step = { ...instance, sidecar: 'migrate', step: true };
    expect([decodeLabels(encodeLabels(first)), decodeLabels(encodeLabels(step))]).toEqual([first, step]);
  });

  it('are not Slipway’s when a label is missing or malformed', () => {
    expect(decodeLabels(undefined)).toBeUndefined();
    expect(decodeLabels({ ...encodeLabels(instance), [LABEL.replica]: 'x' })).toBeUndefined();
    expect(decodeLabels({ ...encodeLabels(instance), [LABEL.ports]: '{' })).toBeUndefined();
    const { [LABEL.configHash]: _, ...rest } = encodeLabels(instance);
    expect(decodeLabels(rest)).toBeUndefined();
  });

  it('filter by target, and by unit', () => {
    expect(labelFilter('box')).toEqual({ label: ['io.slipway.target=box'] });
    expect(labelFilter('box', { service: 'api', environment: 'prod' }).label).toEqual(['io.slipway.target=box', 'io.slipway.service=api', 'io.slipway.environment=prod']);
  });
});
