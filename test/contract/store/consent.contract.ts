// The contract cases of src/store/consent/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid, HOUR, grantOf, requestOf, magicLinkOf } from './helpers';

export function consentContract(c: StoreContract): void {
  const { tenant } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('consent grants', () => {
    test('when a grant is created, then get and active answer it in its org only, and a second active grant is refused', async () => {
      const { partnerId, orgId } = await tenant();
      const now = new Date();
      const grant = grantOf(partnerId, orgId);

      expect(await s.consentGrants.create(grant, now)).toBe(true);
      expect(await s.consentGrants.get(partnerId, orgId, grant.id)).toEqual(grant);
      expect(await s.consentGrants.active(partnerId, orgId, now)).toEqual(grant);
      expect(await s.consentGrants.get(`p-${uid()}`, orgId, grant.id)).toBeNull();
      expect(await s.consentGrants.active(`p-${uid()}`, orgId, now)).toBeNull();
      expect(await s.consentGrants.create(grantOf(partnerId, orgId), now)).toBe(false);
      expect(await s.consentGrants.active(partnerId, orgId, new Date(grant.expiresAt))).toBeNull();
    });

    test('when two grants are created at once, then exactly one is stored', async () => {
      const { partnerId, orgId } = await tenant();
      const now = new Date();

      const results = await Promise.all([1, 2].map(() => s.consentGrants.create(grantOf(partnerId, orgId), now)));
      expect(results.sort()).toEqual([false, true]);
      expect(await s.consentGrants.listByOrg(partnerId, orgId, { limit: 10, offset: 0 })).toHaveLength(1);
    });

    test('when an active grant is extended or revoked, then it changes; an ended one is left as it is', async () => {
      const { partnerId, orgId } = await tenant();
      const now = new Date();
      const grant = grantOf(partnerId, orgId);
      await s.consentGrants.create(grant, now);

      const later = new Date(Date.parse(grant.expiresAt) + 24 * HOUR).toISOString();
      expect(await s.consentGrants.extend(partnerId, orgId, grant.id, later, now)).toEqual({ ...grant, expiresAt: later });
      expect(await s.consentGrants.extend(`p-${uid()}`, orgId, grant.id, later, now)).toBeNull();
      expect(await s.consentGrants.revoke(partnerId, orgId, grant.id, 'admin-2', now))
        .toEqual({ ...grant, expiresAt: later, revokedAt: now.toISOString(), revokedBy: 'admin-2' });
      expect(await s.consentGrants.active(partnerId, orgId, now)).toBeNull();
      expect(await s.consentGrants.revoke(partnerId, orgId, grant.id, 'admin-3', now)).toBeNull();
      expect(await s.consentGrants.extend(partnerId, orgId, grant.id, later, now)).toBeNull();
      expect(await s.consentGrants.create(grantOf(partnerId, orgId), now)).toBe(true);
    });

    test('when grants are listed, then the org has them newest first, revoked and expired ones included', async () => {
      const { partnerId, orgId } = await tenant();
      const old = grantOf(partnerId, orgId, { grantedAt: '2024-01-01T00:00:00.000Z', expiresAt: '2024-01-08T00:00:00.000Z' });
      const current = grantOf(partnerId, orgId);
      await s.consentGrants.create(old, new Date('2024-01-01T00:00:00.000Z'));
      await s.consentGrants.create(current, new Date());

      expect(await s.consentGrants.listByOrg(partnerId, orgId, { limit: 10, offset: 0 })).toEqual([current, old]);
      expect(await s.consentGrants.listByOrg(partnerId, orgId, { limit: 1, offset: 1 })).toEqual([old]);
      expect(await s.consentGrants.listByOrg(`p-${uid()}`, orgId, { limit: 10, offset: 0 })).toEqual([]);
    });

    test('when grants ending soon are asked for, then the active ones ending in the window come, from any partner', async () => {
      const a = await tenant();
      const b = await tenant();
      const c = await tenant();
      const now = new Date();
      // A window in the far future keeps other tests' grants out of it.
      const base = Date.now() + 3000 * 24 * HOUR;
      const soonA = grantOf(a.partnerId, a.orgId, { expiresAt: new Date(base + HOUR).toISOString() });
      const soonB = grantOf(b.partnerId, b.orgId, { expiresAt: new Date(base + 2 * HOUR).toISOString() });
      const revoked = grantOf(c.partnerId, c.orgId, { expiresAt: new Date(base + HOUR).toISOString() });
      for (const g of [soonB, soonA, revoked]) await s.consentGrants.create(g, now);
      await s.consentGrants.revoke(c.partnerId, c.orgId, revoked.id, 'admin', now);

      const ending = await s.consentGrants.endingBy(new Date(base), new Date(base + 2 * HOUR));
      expect(ending.map((g) => g.id)).toEqual([soonA.id, soonB.id]);
      expect(await s.consentGrants.endingBy(new Date(base), new Date(base + HOUR - 1))).toEqual([]);
    });
  });

  describe('access requests', () => {
    test('when requests are created, then the org lists them newest first, by status too, and another partner sees none', async () => {
      const { partnerId, orgId } = await tenant();
      const first = requestOf(partnerId, orgId, { createdAt: '2024-05-01T10:00:00.000Z' });
      const second = requestOf(partnerId, orgId, { createdAt: '2024-05-02T10:00:00.000Z', status: 'denied' });
      await s.accessRequests.create(first);
      await s.accessRequests.create(second);

      expect(await s.accessRequests.get(partnerId, orgId, first.id)).toEqual(first);
      expect(await s.accessRequests.get(`p-${uid()}`, orgId, first.id)).toBeNull();
      expect(await s.accessRequests.listByOrg(partnerId, orgId, { limit: 10, offset: 0 })).toEqual([second, first]);
      expect(await s.accessRequests.listByOrg(partnerId, orgId, { limit: 10, offset: 0, status: 'pending' })).toEqual([first]);
      expect(await s.accessRequests.listByOrg(partnerId, orgId, { limit: 1, offset: 1 })).toEqual([first]);
      expect(await s.accessRequests.listByOrg(`p-${uid()}`, orgId, { limit: 10, offset: 0 })).toEqual([]);
    });

    test('when two admins decide a request at once, then it is settled once', async () => {
      const { partnerId, orgId } = await tenant();
      const request = requestOf(partnerId, orgId);
      await s.accessRequests.create(request);
      const decision = (status: 'approved' | 'denied') => ({ status, by: `admin-${status}`, at: '2024-05-03T00:00:00.000Z', grantId: status === 'approved' ? 'g-1' : null });

      const results = await Promise.all([s.accessRequests.decide(partnerId, orgId, request.id, decision('approved')),
        s.accessRequests.decide(partnerId, orgId, request.id, decision('denied'))]);
      const settled = results.filter((r) => r !== null);
      expect(settled).toHaveLength(1);
      expect(await s.accessRequests.get(partnerId, orgId, request.id)).toEqual(settled[0]);
      expect(settled[0]).toMatchObject({ decidedAt: '2024-05-03T00:00:00.000Z' });
      expect(await s.accessRequests.decide(`p-${uid()}`, orgId, request.id, decision('denied'))).toBeNull();
    });
  });

  describe('magic links', () => {
    test('when a link is peeked, then it stays usable; when consumed, then only the first caller gets it', async () => {
      const link = magicLinkOf();
      await s.magicLinks.create(link);
      const now = new Date();

      expect(await s.magicLinks.peek(link.tokenHash, now)).toEqual(link);
      expect(await s.magicLinks.peek(link.tokenHash, now)).toEqual(link);
      const results = await Promise.all([1, 2].map(() => s.magicLinks.consume(link.tokenHash, now)));
      expect(results.filter((r) => r !== null)).toEqual([{ ...link, consumedAt: now.toISOString() }]);
      expect(await s.magicLinks.peek(link.tokenHash, now)).toBeNull();
    });

    test('when a link has expired, then it can be neither peeked nor consumed, and purging removes it', async () => {
      const link = magicLinkOf();
      const live = magicLinkOf({ expiresAt: new Date(Date.now() + 5 * HOUR).toISOString() });
      await s.magicLinks.create(link);
      await s.magicLinks.create(live);
      const after = new Date(link.expiresAt);

      expect(await s.magicLinks.peek(link.tokenHash, after)).toBeNull();
      expect(await s.magicLinks.consume(link.tokenHash, after)).toBeNull();
      expect(await s.magicLinks.purgeExpired(after)).toBeGreaterThanOrEqual(1);
      expect(await s.magicLinks.peek(link.tokenHash, new Date())).toBeNull();
      expect(await s.magicLinks.peek(live.tokenHash, new Date())).toEqual(live);
    });
  });

  describe('grant reminders', () => {
    test('when a reminder is claimed, then only the first claim of that grant, kind and end succeeds until released', async () => {
      const grantId = uid();
      const endsAt = '2024-08-01T00:00:00.000Z';
      const at = new Date();

      const results = await Promise.all([1, 2].map(() => s.grantReminders.claim(grantId, '14d', endsAt, at)));
      expect(results.sort()).toEqual([false, true]);
      expect(await s.grantReminders.claim(grantId, '2d', endsAt, at)).toBe(true);
      expect(await s.grantReminders.claim(grantId, '14d', '2024-09-01T00:00:00.000Z', at)).toBe(true);
      await s.grantReminders.release(grantId, '14d', endsAt);
      expect(await s.grantReminders.claim(grantId, '14d', endsAt, at)).toBe(true);
    });
  });
}
