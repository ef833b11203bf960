// The contract cases of src/store/retention/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid, MINUTE, HOUR, eventOf, verificationOf, setupOf, magicLinkOf } from './helpers';

export function retentionContract(c: StoreContract): void {
  const { tenant } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('retention', () => {
    const DAY = 24 * HOUR;

    test('when retention runs, then it deletes exactly what outlived its use, once, even when two runs overlap', async () => {
      const now = new Date();
      const rule = { now, verificationsBefore: new Date(now.getTime() - 30 * DAY), auditBefore: new Date(now.getTime() - 400 * DAY) };
      const zero = { verifications: 0, signInLinks: 0, invitations: 0, sessions: 0, audit: 0 };
      // What earlier tests left that is due goes first, so the counts below are this test's own.
      await s.retention.purge(rule);
      const { partnerId, orgId } = await tenant();
      const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

      const oldCode = verificationOf(partnerId, orgId, uid(), { createdAt: ago(31 * DAY), expiresAt: ago(31 * DAY - 10 * MINUTE) });
      const recentCode = verificationOf(partnerId, orgId, uid(), { createdAt: ago(29 * DAY), expiresAt: ago(29 * DAY - 10 * MINUTE) });
      for (const v of [oldCode, recentCode]) await s.verifications.create(v);

      const usedLink = magicLinkOf();
      const expiredLink = magicLinkOf({ createdAt: ago(HOUR), expiresAt: ago(45 * MINUTE) });
      const liveLink = magicLinkOf();
      for (const l of [usedLink, expiredLink, liveLink]) await s.magicLinks.create(l);
      expect(await s.magicLinks.consume(usedLink.tokenHash, now)).not.toBeNull();

      const agentId = uid();
      const usedSetup = setupOf(uid(), { usedAt: ago(MINUTE) });
      const expiredSetup = setupOf(uid(), { createdAt: ago(2 * DAY), expiresAt: ago(DAY) });
      const liveSetup = setupOf(agentId);
      for (const x of [usedSetup, expiredSetup, liveSetup]) await s.passwordSetups.create(x);

      const expiredSession = { sid: uid(), agentId, data: '{}', expiresAt: ago(MINUTE) };
      const liveSession = { sid: uid(), agentId, data: '{}', expiresAt: new Date(now.getTime() + HOUR).toISOString() };
      for (const r of [expiredSession, liveSession]) await s.sessions.set(r);

      const oldEvent = eventOf(partnerId, { at: ago(401 * DAY) });
      const recentEvent = eventOf(partnerId, { at: ago(399 * DAY) });
      for (const e of [oldEvent, recentEvent]) await s.audit.append(e);

      const [a, b] = await Promise.all([s.retention.purge(rule), s.retention.purge(rule)]);
      const total = Object.fromEntries(Object.keys(zero).map((k) => [k, a[k as keyof typeof a] + b[k as keyof typeof b]]));

      expect(total).toEqual({ verifications: 1, signInLinks: 2, invitations: 2, sessions: 1, audit: 1 });
      expect(await s.sessions.get(liveSession.sid, now)).toEqual(liveSession);
      expect(await s.verifications.get(partnerId, oldCode.id)).toBeNull();
      expect(await s.verifications.get(partnerId, recentCode.id)).not.toBeNull();
      expect(await s.magicLinks.peek(liveLink.tokenHash, now)).toEqual(liveLink);
      expect(await s.passwordSetups.find(liveSetup.tokenHash, now)).toEqual(liveSetup);
      expect((await s.audit.query({ partnerId, limit: 10, offset: 0 })).events.map((e) => e.id)).toEqual([recentEvent.id]);
      expect(await s.retention.purge(rule)).toEqual(zero);
    });
  });
}
