import { describe, expect, it } from 'vitest';
import { ACTOR_HEADER, GROUPS_HEADER, localUserIdentity } from './identity.js';

describe('localUserIdentity', () => {
  it("names the local user and groups from the control client's headers", async () => {
    expect(await localUserIdentity({ [ACTOR_HEADER]: encodeURIComponent('ann bell'), [GROUPS_HEADER]: 'sre,ops' })).toEqual({ name: 'ann bell', role: 'admin', environments: [], groups: ['sre', 'ops'] });
  });

  it('refuses an actor or group that is not printable, or not URI-encoded, as unauthenticated', async () => {
    for (const headers of [{ [ACTOR_HEADER]: 'ann%00' }, { [ACTOR_HEADER]: 'ann%1B%5B2J' }, { [GROUPS_HEADER]: 'sre,%E2%80%AEops' }, { [ACTOR_HEADER]: '%E0%A4%A' }]) {
      await expect(localUserIdentity(headers), JSON.stringify(headers)).rejects.toMatchObject({ code: 'unauthenticated' });
    }
  });
});
