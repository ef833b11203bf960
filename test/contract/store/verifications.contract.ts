// The contract cases of src/store/verifications/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid, MINUTE, verificationOf } from './helpers';

export function verificationsContract(c: StoreContract): void {
  const { tenant } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('verifications', () => {
    async function withUser() {
      const t = await tenant();
      const u = await s.users.upsert(f.user(t.orgId));
      return { ...t, userId: u.id };
    }
    const attempt = (correct: boolean, now = new Date()) => ({ correct, now, maxAttempts: 3 });

    test('when a code is created, then get and latestForUser answer it, and another partner sees nothing', async () => {
      const { partnerId, orgId, userId } = await withUser();
      const v = verificationOf(partnerId, orgId, userId);
      await s.verifications.create(v);

      expect(await s.verifications.get(partnerId, v.id)).toEqual(v);
      expect(await s.verifications.latestForUser(partnerId, userId)).toEqual(v);
      expect(await s.verifications.get(`p-${uid()}`, v.id)).toBeNull();
      expect(await s.verifications.latestForUser(`p-${uid()}`, userId)).toBeNull();
      expect(await s.verifications.attempt(`p-${uid()}`, v.id, attempt(true))).toBeNull();
      expect((await s.verifications.get(partnerId, v.id))?.attempts).toBe(0);
    });

    test("when a new code is created for the user, then the pending one is voided and the new one is the latest", async () => {
      const { partnerId, orgId, userId } = await withUser();
      const first = verificationOf(partnerId, orgId, userId, { createdAt: new Date(Date.now() - MINUTE).toISOString() });
      const second = verificationOf(partnerId, orgId, userId);
      await s.verifications.create(first);
      await s.verifications.create(second);

      expect(await s.verifications.get(partnerId, first.id)).toMatchObject({ outcome: 'voided', settledAt: second.createdAt });
      expect(await s.verifications.latestForUser(partnerId, userId)).toEqual(second);
      expect(await s.verifications.attempt(partnerId, first.id, attempt(true))).toBeNull();
    });

    test('when wrong answers are checked, then attempts rise and the last allowed one locks the code', async () => {
      const { partnerId, orgId, userId } = await withUser();
      const v = verificationOf(partnerId, orgId, userId);
      await s.verifications.create(v);

      expect(await s.verifications.attempt(partnerId, v.id, attempt(false))).toMatchObject({ attempts: 1, outcome: 'pending', settledAt: null });
      expect(await s.verifications.attempt(partnerId, v.id, attempt(false))).toMatchObject({ attempts: 2, outcome: 'pending' });
      const now = new Date();
      expect(await s.verifications.attempt(partnerId, v.id, attempt(false, now)))
        .toMatchObject({ attempts: 3, outcome: 'locked', settledAt: now.toISOString() });
      expect(await s.verifications.attempt(partnerId, v.id, attempt(true))).toBeNull();
    });

    test('when a correct answer is checked twice at once, then the code is verified exactly once', async () => {
      const { partnerId, orgId, userId } = await withUser();
      const v = verificationOf(partnerId, orgId, userId);
      await s.verifications.create(v);

      const now = new Date();
      const results = await Promise.all([1, 2].map(() => s.verifications.attempt(partnerId, v.id, attempt(true, now))));
      expect(results.filter((r) => r !== null)).toEqual([{ ...v, attempts: 1, outcome: 'verified', settledAt: now.toISOString() }]);
      expect(await s.verifications.get(partnerId, v.id)).toMatchObject({ attempts: 1, outcome: 'verified' });
    });

    test('when an expired code is answered, then the attempt does not apply', async () => {
      const { partnerId, orgId, userId } = await withUser();
      const v = verificationOf(partnerId, orgId, userId);
      await s.verifications.create(v);

      expect(await s.verifications.attempt(partnerId, v.id, attempt(true, new Date(v.expiresAt)))).toBeNull();
      expect(await s.verifications.get(partnerId, v.id)).toEqual(v);
    });

    test('when a pending code is voided, then it cannot be answered, and another partner cannot void it', async () => {
      const { partnerId, orgId, userId } = await withUser();
      const v = verificationOf(partnerId, orgId, userId);
      await s.verifications.create(v);

      await s.verifications.void(`p-${uid()}`, v.id, new Date());
      expect((await s.verifications.get(partnerId, v.id))?.outcome).toBe('pending');
      const at = new Date();
      await s.verifications.void(partnerId, v.id, at);
      expect(await s.verifications.get(partnerId, v.id)).toMatchObject({ outcome: 'voided', settledAt: at.toISOString() });
      expect(await s.verifications.attempt(partnerId, v.id, attempt(true))).toBeNull();
    });
  });
}
