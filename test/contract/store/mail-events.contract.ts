// The contract cases of src/store/mail-events/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { EmailEvent, Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid, MINUTE } from './helpers';

export function mailEventsContract(c: StoreContract): void {
  const { tenant, changesFor } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('suppression list', () => {
    test('when an address is suppressed, then get finds it in any case, and a second upsert replaces the entry', async () => {
      const email = `Sup-${uid()}@Example.com`;
      await s.suppressions.upsert({ email, reason: 'hard_bounce', since: '2024-04-02T08:01:00.000Z', detail: '550 5.1.1' });
      const stored = { email: email.toLowerCase(), reason: 'hard_bounce', since: '2024-04-02T08:01:00.000Z', detail: '550 5.1.1' };

      expect(await s.suppressions.get(email.toUpperCase())).toEqual(stored);
      const replaced = { ...stored, reason: 'complaint' as const, since: '2024-04-03T00:00:00.000Z', detail: 'abuse report' };
      await s.suppressions.upsert(replaced);
      expect(await s.suppressions.get(email)).toEqual(replaced);
    });

    test('when an address is removed, then the entry is answered once and the address is no longer suppressed', async () => {
      const email = `sup-${uid()}@example.com`;
      const entry = { email, reason: 'manual' as const, since: '2024-04-02T08:01:00.000Z', detail: '' };
      await s.suppressions.upsert(entry);

      expect(await s.suppressions.remove(` ${email.toUpperCase()} `)).toEqual(entry);
      expect(await s.suppressions.get(email)).toBeNull();
      expect(await s.suppressions.remove(email)).toBeNull();
    });
  });

  describe('email events', () => {
    const eventOfType = (email: string, over: Partial<EmailEvent> = {}): EmailEvent => ({
      email, type: 'bounce', messageKind: 'welcome', at: '2024-04-02T08:01:00.000Z', detail: '550 5.1.1', ...over,
    });

    test('when the same event is appended twice, even with the instant written differently, then it is recorded once', async () => {
      const email = `ev-${uid()}@example.com`;

      expect(await s.emailEvents.append(eventOfType(email))).toBe(true);
      expect(await s.emailEvents.append(eventOfType(email.toUpperCase()))).toBe(false);
      expect(await s.emailEvents.append(eventOfType(email, { at: '2024-04-02T08:01:00Z' }))).toBe(false);
      expect(await s.emailEvents.append(eventOfType(email, { type: 'complaint' }))).toBe(true);
    });

    test("when events are appended out of order, then latest answers the address's newest by time", async () => {
      const email = `ev-${uid()}@example.com`;
      const newest = eventOfType(email, { type: 'delivery', at: '2024-04-03T00:00:00.000Z', detail: '250 ok' });
      await s.emailEvents.append(newest);
      await s.emailEvents.append(eventOfType(email, { at: '2024-04-01T00:00:00.000Z' }));

      expect(await s.emailEvents.latest(email.toUpperCase())).toEqual(newest);
      expect(await s.emailEvents.latest(`nobody-${uid()}@example.com`)).toBeNull();
    });
  });

  describe('replay keys', () => {
    test('when a key is claimed, then a second claim fails until it expires or is released', async () => {
      const key = `replay:${uid()}`;
      const now = new Date();
      const expiresAt = new Date(now.getTime() + 5 * MINUTE);

      expect(await s.replays.claim(key, expiresAt, now)).toBe(true);
      expect(await s.replays.claim(key, expiresAt, new Date(now.getTime() + MINUTE))).toBe(false);
      expect(await s.replays.claim(key, new Date(expiresAt.getTime() + 5 * MINUTE), expiresAt)).toBe(true);
      await s.replays.release(key);
      expect(await s.replays.claim(key, expiresAt, now)).toBe(true);
    });

    test('when one key is claimed twice at once, then exactly one claim succeeds', async () => {
      const key = `replay:${uid()}`;
      const now = new Date();

      const results = await Promise.all([1, 2, 3].map(() => s.replays.claim(key, new Date(now.getTime() + MINUTE), now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('suppression list, email events and replays', () => {
    const address = () => `mailbox-${uid()}@example.com`;

    test('when an address is suppressed, then get finds it in any case, upsert replaces it and remove returns what it removed', async () => {
      const email = address();
      await s.suppressions.upsert({ email: email.toUpperCase(), reason: 'hard_bounce', since: '2024-05-01T10:00:00.000Z', detail: '550' });
      expect(await s.suppressions.get(email)).toEqual({ email, reason: 'hard_bounce', since: '2024-05-01T10:00:00.000Z', detail: '550' });

      await s.suppressions.upsert({ email, reason: 'complaint', since: '2024-05-02T10:00:00.000Z', detail: 'abuse' });
      expect((await s.suppressions.get(email))?.reason).toBe('complaint');
      expect(await s.suppressions.remove(email)).toMatchObject({ email, reason: 'complaint' });
      expect(await s.suppressions.remove(email)).toBeNull();
      expect(await s.suppressions.get(email)).toBeNull();
    });

    test('when events are appended, then the same event counts once and latest is the newest by time, not by arrival', async () => {
      const email = address();
      const event = { email, type: 'bounce' as const, messageKind: 'welcome', at: '2024-05-01T10:00:00.000Z', detail: '550' };
      expect(await s.emailEvents.append(event)).toBe(true);
      expect(await s.emailEvents.append(event)).toBe(false);
      expect(await s.emailEvents.append({ ...event, type: 'delivery', at: '2024-05-02T10:00:00.000Z' })).toBe(true);
      expect(await s.emailEvents.append({ ...event, type: 'deferral', at: '2024-04-30T10:00:00.000Z' })).toBe(true);
      expect(await s.emailEvents.latest(email.toUpperCase())).toMatchObject({ type: 'delivery' });
      expect(await s.emailEvents.latest(address())).toBeNull();
    });

    test('when a last email is recorded, then every user with the address gets it unless theirs is newer, with a change each', async () => {
      const a = await tenant();
      const b = await tenant();
      const email = address();
      const first = await s.users.upsert(f.user(a.orgId, { email }));
      const second = await s.users.upsert(f.user(b.orgId, { email, lastEmail: { kind: 'welcome', status: 'delivered', at: '2024-05-03T10:00:00.000Z', detail: '' } }));
      const before = await s.changes.latestSeq();

      const bounced = { kind: 'welcome', status: 'bounced' as const, at: '2024-05-02T10:00:00.000Z', detail: '550' };
      expect(await s.users.recordLastEmail(email.toUpperCase(), bounced)).toBe(1);

      expect((await s.users.get(a.partnerId, first.id))?.lastEmail).toEqual(bounced);
      expect((await s.users.get(b.partnerId, second.id))?.lastEmail?.status).toBe('delivered');
      expect((await changesFor(before, [first.id, second.id])).map((c) => c.id)).toEqual([first.id]);
    });

    test('when a key is claimed, then a second claim fails until it expires, and a released key can be claimed again', async () => {
      const key = `replay-${uid()}`;
      const now = new Date('2024-05-01T10:00:00.000Z');
      const until = new Date(now.getTime() + 10 * MINUTE);
      expect(await s.replays.claim(key, until, now)).toBe(true);
      expect(await s.replays.claim(key, until, new Date(now.getTime() + 9 * MINUTE))).toBe(false);
      expect(await s.replays.claim(key, new Date(until.getTime() + 10 * MINUTE), until)).toBe(true);
      await s.replays.release(key);
      expect(await s.replays.claim(key, new Date(until.getTime() + 10 * MINUTE), until)).toBe(true);
    });
  });
}
