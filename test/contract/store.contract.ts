// The Store port's contract: every adapter runs this same suite (embedded always, MongoDB when a
// server is configured). Each test makes its own partners and ids, so the suite can share one store,
// even a real database other runs write to, and asserts only about its own records. The cases of each
// repository are in test/contract/store/<repository>.contract.ts; the store-wide ones (ping,
// transaction()) are here.
import type { Change, Store } from '../../src/store/store';
import * as f from '../helpers/factories';
import { type StoreContract, grantOf, requestOf } from './store/helpers';
import { agentsContract } from './store/agents.contract';
import { apiTokensContract } from './store/api-tokens.contract';
import { auditContract } from './store/audit.contract';
import { changesContract } from './store/changes.contract';
import { consentContract } from './store/consent.contract';
import { devicesContract } from './store/devices.contract';
import { lifecycleContract } from './store/lifecycle.contract';
import { mailEventsContract } from './store/mail-events.contract';
import { mailOutboxContract } from './store/mail-outbox.contract';
import { orgsContract } from './store/orgs.contract';
import { partnersContract } from './store/partners.contract';
import { passwordSetupsContract } from './store/password-setups.contract';
import { rateLimitsContract } from './store/rate-limits.contract';
import { recentsContract } from './store/recents.contract';
import { retentionContract } from './store/retention.contract';
import { sessionsContract } from './store/sessions.contract';
import { supportContactsContract } from './store/support-contacts.contract';
import { usersContract } from './store/users.contract';
import { verificationsContract } from './store/verifications.contract';

export function storeContract<S extends Store>(label: string, make: () => Promise<S>, teardown: (s: S) => Promise<void>): void {
  describe(`Store contract: ${label}`, () => {
    let s: S;

    beforeAll(async () => { s = await make(); });
    afterAll(async () => { await teardown(s); });

    /** A fresh partner with one org. */
    async function tenant() {
      const partner = f.partner();
      await s.partners.upsert(partner);
      const org = f.org(partner.id);
      await s.orgs.upsert(org);
      return { partner, org, partnerId: partner.id, orgId: org.id };
    }

    /** The changes after `after` that concern the given ids (other writers may share the store). */
    async function changesFor(after: number, ids: string[]): Promise<Change[]> {
      return (await s.changes.listAfter(after, 10_000)).filter((c) => ids.includes(c.id));
    }

    // Each repository's cases, in their own file (test/contract/store/<repository>.contract.ts).
    const contract: StoreContract = { store: () => s, tenant, changesFor };

    test('when the store is pinged, then it answers', async () => {
      await expect(s.ping()).resolves.toBeUndefined();
    });

    partnersContract(contract);
    describe('transactions', () => {
      test('when work inside transaction() wrote a grant, an answer and a user and then throws, then none of it remains, not even the user\'s change row', async () => {
        const { partnerId, orgId } = await tenant();
        const request = requestOf(partnerId, orgId);
        await s.accessRequests.create(request);
        const grant = grantOf(partnerId, orgId, { requestId: request.id });
        const user = f.user(orgId);
        const before = await s.changes.latestSeq();

        await expect(s.transaction(async () => {
          expect(await s.consentGrants.create(grant, new Date())).toBe(true);
          expect(await s.accessRequests.decide(partnerId, orgId, request.id,
            { status: 'approved', by: 'admin-1', at: new Date().toISOString(), grantId: grant.id })).not.toBeNull();
          await s.users.upsert(user);
          throw new Error('fails after its writes');
        })).rejects.toThrow('fails after its writes');

        expect(await s.consentGrants.get(partnerId, orgId, grant.id)).toBeNull();
        expect(await s.accessRequests.get(partnerId, orgId, request.id)).toMatchObject({ status: 'pending', grantId: null });
        expect(await s.users.get(partnerId, user.id)).toBeNull();
        expect(await changesFor(before, [user.id])).toEqual([]);
      });

      test('when work inside transaction() completes, then every write of it is there, with its change rows, and its result is returned', async () => {
        const { partnerId, orgId } = await tenant();
        const request = requestOf(partnerId, orgId);
        await s.accessRequests.create(request);
        const grant = grantOf(partnerId, orgId, { requestId: request.id });
        const user = f.user(orgId);
        const before = await s.changes.latestSeq();

        const result = await s.transaction(async () => {
          await s.consentGrants.create(grant, new Date());
          await s.accessRequests.decide(partnerId, orgId, request.id,
            { status: 'approved', by: 'admin-1', at: new Date().toISOString(), grantId: grant.id });
          await s.users.upsert(user);
          return 'done';
        });

        expect(result).toBe('done');
        expect(await s.consentGrants.get(partnerId, orgId, grant.id)).toMatchObject({ id: grant.id });
        expect(await s.accessRequests.get(partnerId, orgId, request.id)).toMatchObject({ status: 'approved', grantId: grant.id });
        expect(await s.users.get(partnerId, user.id)).toMatchObject({ id: user.id });
        expect((await changesFor(before, [user.id])).map((c) => c.entity)).toEqual(['user']);
      });
    });

    orgsContract(contract);
    usersContract(contract);
    devicesContract(contract);
    agentsContract(contract);
    retentionContract(contract);
    apiTokensContract(contract);
    sessionsContract(contract);
    auditContract(contract);
    changesContract(contract);
    rateLimitsContract(contract);
    verificationsContract(contract);
    mailOutboxContract(contract);
    passwordSetupsContract(contract);
    mailEventsContract(contract);
    consentContract(contract);
    recentsContract(contract);
    supportContactsContract(contract);
    lifecycleContract(contract);
  });
}
