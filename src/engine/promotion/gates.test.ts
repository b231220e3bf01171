import { describe, expect, it } from 'vitest';
import { decisionRefusal, orderRefusal } from './gates.js';

const rule = (groups: string[] = [], allowSelfApproval = false) => ({ count: 1, groups, allowSelfApproval });

describe('decisionRefusal', () => {
  it('refuses the starter approving their own promotion unless a rule allows it', () => {
    expect(decisionRefusal([rule()], { actor: 'ann', groups: [], approved: true }, 'ann', 'prod')).toBe('ann started this promotion, and the policy does not let its starter approve it');
    expect(decisionRefusal([rule([], true)], { actor: 'ann', groups: [], approved: true }, 'ann', 'prod')).toBeUndefined();
    expect(decisionRefusal([rule()], { actor: 'bob', groups: [], approved: true }, 'ann', 'prod')).toBeUndefined();
  });

  it('refuses a decision from outside every group the rules name', () => {
    expect(decisionRefusal([rule(['sre'])], { actor: 'bob', groups: [], approved: true }, 'ann', 'prod')).toBe('bob has no groups; decisions on prod count only from group sre');
    expect(decisionRefusal([rule(['sre', 'dba'])], { actor: 'bob', groups: ['web'], approved: false }, 'ann', 'prod')).toBe('bob has groups web; decisions on prod count only from group sre or dba');
    expect(decisionRefusal([rule(['sre'])], { actor: 'bob', groups: ['sre'], approved: true }, 'ann', 'prod')).toBeUndefined();
  });

  it('lets the starter reject (stop) their own promotion, and allows self-approval only through a rule whose groups they have', () => {
    expect(decisionRefusal([rule(['sre'])], { actor: 'ann', groups: [], approved: false }, 'ann', 'prod')).toBeUndefined();
    const rules = [rule(['sre'], false), rule(['lead'], true)];
    expect(decisionRefusal(rules, { actor: 'ann', groups: ['sre'], approved: true }, 'ann', 'prod')).toMatch(/does not let its starter/);
    expect(decisionRefusal(rules, { actor: 'ann', groups: ['lead'], approved: true }, 'ann', 'prod')).toBeUndefined();
  });

  it('has nothing to approve where no rule asks for approvals, but a rejection still stops the promotion', () => {
    expect(decisionRefusal([], { actor: 'bob', groups: [], approved: true }, 'ann', 'prod')).toBe('prod needs no approvals; nothing to approve');
    expect(decisionRefusal([], { actor: 'bob', groups: [], approved: false }, 'ann', 'prod')).toBeUndefined();
  });
});

describe('orderRefusal', () => {
  it('names every environment promoted from where the release has not succeeded', () => {
    expect(orderRefusal('api v9', 'prod', ['staging'], new Set(['dev']))).toBe(
      'api v9 has not succeeded in staging, which prod promotes from: promote it through staging first (an admin may override the order with a reason)',
    );
    expect(orderRefusal('api v9', 'prod', ['eu', 'us'], new Set(['eu']))).toMatch(/^api v9 has not succeeded in us,/);
    expect(orderRefusal('api v9', 'prod', ['eu', 'us'], new Set(['eu', 'us']))).toBeUndefined();
    expect(orderRefusal('api v9', 'dev', [], new Set())).toBeUndefined();
  });
});
