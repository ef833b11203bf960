// The contract cases of src/store/sessions/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid, HOUR } from './helpers';

export function sessionsContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('sessions', () => {
    const session = (over: { agentId?: string | null; data?: string; expiresAt?: string } = {}) => ({
      sid: uid(), agentId: uid(), data: JSON.stringify({ csrf: uid() }),
      expiresAt: new Date(Date.now() + HOUR).toISOString(), ...over,
    });

    test('when a session is set, then get answers it until it expires and null from then on', async () => {
      const now = new Date();
      const r = session();
      await s.sessions.set(r);

      expect(await s.sessions.get(r.sid, now)).toEqual(r);
      expect(await s.sessions.get(r.sid, new Date(Date.parse(r.expiresAt) - 1))).toEqual(r);
      expect(await s.sessions.get(r.sid, new Date(r.expiresAt))).toBeNull();
      expect(await s.sessions.get(r.sid, new Date(now.getTime() + 2 * HOUR))).toBeNull();
      expect(await s.sessions.get(uid(), now)).toBeNull();
    });

    test('when a session is set again or touched, then the new data and expiry hold', async () => {
      const now = new Date();
      const r = session({ agentId: null });
      await s.sessions.set(r);
      const signedIn = { ...r, agentId: uid(), data: '{"signedIn":true}' };
      await s.sessions.set(signedIn);
      expect(await s.sessions.get(r.sid, now)).toEqual(signedIn);

      const later = new Date(now.getTime() + 3 * HOUR).toISOString();
      await s.sessions.touch(r.sid, later);
      expect(await s.sessions.get(r.sid, new Date(now.getTime() + 2 * HOUR))).toEqual({ ...signedIn, expiresAt: later });
    });

    test('when a session is destroyed, then get answers null', async () => {
      const r = session();
      await s.sessions.set(r);
      await s.sessions.destroy(r.sid);

      expect(await s.sessions.get(r.sid, new Date())).toBeNull();
    });

    test("when an agent's sessions are destroyed, then only theirs go and the count says how many", async () => {
      const agentId = uid();
      const mine = [session({ agentId }), session({ agentId })];
      const theirs = session();
      for (const r of [...mine, theirs]) await s.sessions.set(r);

      expect(await s.sessions.destroyByAgent(agentId)).toBe(2);
      for (const r of mine) expect(await s.sessions.get(r.sid, new Date())).toBeNull();
      expect(await s.sessions.get(theirs.sid, new Date())).toEqual(theirs);
      expect(await s.sessions.destroyByAgent(agentId)).toBe(0);
    });

    test('when expired sessions are purged, then they are gone and live ones stay', async () => {
      const now = Date.now();
      const soon = session({ expiresAt: new Date(now + HOUR).toISOString() });
      const late = session({ expiresAt: new Date(now + 3 * HOUR).toISOString() });
      await s.sessions.set(soon);
      await s.sessions.set(late);

      const purgeAt = new Date(now + 2 * HOUR);
      expect(await s.sessions.purgeExpired(purgeAt)).toBeGreaterThanOrEqual(1);
      expect(await s.sessions.get(soon.sid, new Date(now))).toBeNull();
      expect(await s.sessions.get(late.sid, purgeAt)).toEqual(late);
    });
  });
}
