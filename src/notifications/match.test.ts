import { describe, expect, it } from 'vitest';
import { hookMatches } from './match.js';

const event = { type: 'deployment.started', service: 'web', environment: 'prod' };

describe('hookMatches', () => {
  it.each([
    ['its type is subscribed', { events: ['deployment.started'] }, event, true],
    ['every type is subscribed', { events: ['*'] }, event, true],
    ['its type is not subscribed', { events: ['deployment.failed'] }, event, false],
    ['its environment is listed', { events: ['*'], environments: ['staging', 'prod'] }, event, true],
    ['its environment is not listed', { events: ['*'], environments: ['staging'] }, event, false],
    ['its service is not listed', { events: ['*'], services: ['api'] }, event, false],
    ['it has no environment and the hook filters on one', { events: ['*'], environments: ['prod'] }, { ...event, environment: null }, false],
    ['it has no service and the hook does not filter on services', { events: ['*'] }, { ...event, service: null }, true],
  ] as const)('an event goes to a hook when %s: %s', (_label, hook, input, expected) => {
    expect(hookMatches(hook, input)).toBe(expected);
  });
});
