// The contract cases of src/store/audit/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid, eventOf } from './helpers';

export function auditContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('audit', () => {
    test("when events are queried, then only the partner's come, newest first, with their total", async () => {
      const partnerId = `p-${uid()}`;
      const events = ['2024-03-01T10:00:00.000Z', '2024-03-03T10:00:00.000Z', '2024-03-02T10:00:00.000Z']
        .map((at) => eventOf(partnerId, { at, detail: { reason: 'ticket 42', nested: { n: 1 } } }));
      for (const e of events) await s.audit.append(e);
      await s.audit.append(eventOf(`p-${uid()}`));

      const result = await s.audit.query({ partnerId, limit: 10, offset: 0 });
      expect(result.total).toBe(3);
      expect(result.events).toEqual([events[1], events[2], events[0]]);
      expect(await s.audit.query({ partnerId: `p-${uid()}`, limit: 10, offset: 0 })).toEqual({ events: [], total: 0 });
    });

    test('when the query filters by org, actor, subject, action or time, then only matching events come', async () => {
      const partnerId = `p-${uid()}`;
      const base = eventOf(partnerId, { at: '2024-05-01T00:00:00.000Z' });
      const byOrg = eventOf(partnerId, { at: '2024-05-02T00:00:00.000Z', orgId: 'org-1' });
      const byActor = eventOf(partnerId, { at: '2024-05-03T00:00:00.000Z', actorId: 'agent-2' });
      const bySubject = eventOf(partnerId, { at: '2024-05-04T00:00:00.000Z', subject: 'user:u-1' });
      const byAction = eventOf(partnerId, { at: '2024-05-05T00:00:00.000Z', action: 'auth.sign_in', outcome: 'failure' });
      for (const e of [base, byOrg, byActor, bySubject, byAction]) await s.audit.append(e);
      const ids = async (q: Partial<Parameters<Store['audit']['query']>[0]>) =>
        (await s.audit.query({ partnerId, limit: 50, offset: 0, ...q })).events.map((e) => e.id);

      expect(await ids({ orgId: 'org-1' })).toEqual([byOrg.id]);
      expect(await ids({ actorId: 'agent-2' })).toEqual([byActor.id]);
      expect(await ids({ subject: 'user:u-1' })).toEqual([bySubject.id]);
      expect(await ids({ action: 'auth.sign_in' })).toEqual([byAction.id]);
      // `from` is inclusive, `to` exclusive.
      expect(await ids({ from: '2024-05-02T00:00:00.000Z', to: '2024-05-04T00:00:00.000Z' })).toEqual([byActor.id, byOrg.id]);
      expect(await ids({ from: '2024-05-05T00:00:00.000Z' })).toEqual([byAction.id]);
      expect(await ids({ to: '2024-05-02T00:00:00.000Z' })).toEqual([base.id]);
      expect((await s.audit.query({ partnerId, orgId: 'org-1', action: 'auth.sign_in', limit: 50, offset: 0 })).total).toBe(0);
    });

    test('when the query names several orgs, actors, subjects or actions, or an action family, then events matching any of them come', async () => {
      const partnerId = `p-${uid()}`;
      const a = eventOf(partnerId, { at: '2024-06-01T00:00:00.000Z', orgId: 'org-a', actorId: 'agent-a', subject: 'user:u-a', action: 'consent.grant' });
      const b = eventOf(partnerId, { at: '2024-06-02T00:00:00.000Z', orgId: 'org-b', actorId: 'agent-b', subject: 'user:u-b', action: 'consent' });
      const c = eventOf(partnerId, { at: '2024-06-03T00:00:00.000Z', orgId: 'org-c', actorId: 'agent-c', subject: 'user:u-c', action: 'consents.x' });
      const d = eventOf(partnerId, { at: '2024-06-04T00:00:00.000Z', orgId: 'org-d', actorId: 'agent-d', subject: 'user:u-d', action: 'user_view' });
      for (const e of [a, b, c, d]) await s.audit.append(e);
      const ids = async (q: Partial<Parameters<Store['audit']['query']>[0]>) =>
        (await s.audit.query({ partnerId, limit: 50, offset: 0, ...q })).events.map((e) => e.id);

      expect(await ids({ orgIds: ['org-a', 'org-c'] })).toEqual([c.id, a.id]);
      expect(await ids({ actorIds: ['agent-b', 'agent-d'] })).toEqual([d.id, b.id]);
      expect(await ids({ subjects: ['user:u-a', 'user:u-b'] })).toEqual([b.id, a.id]);
      expect(await ids({ actions: ['consent', 'user_view'] })).toEqual([d.id, b.id]);
      expect(await ids({ orgIds: [] })).toEqual([]);
      expect((await s.audit.query({ partnerId, actorIds: [], limit: 50, offset: 0 })).total).toBe(0);
      // A family is the action itself and what follows a dot, not a longer word; `_` and `.` are not wildcards.
      expect(await ids({ actionPrefix: 'consent' })).toEqual([b.id, a.id]);
      expect(await ids({ actionPrefix: 'user.view' })).toEqual([]);
      expect(await ids({ actionPrefix: 'consent', orgIds: ['org-a', 'org-b'], actorIds: ['agent-a'] })).toEqual([a.id]);
    });

    test('when the query pages, then limit and offset apply and total counts every match', async () => {
      const partnerId = `p-${uid()}`;
      const events = Array.from({ length: 5 }, (_, i) => eventOf(partnerId, { at: `2024-06-0${i + 1}T00:00:00.000Z` }));
      for (const e of events) await s.audit.append(e);
      const newestFirst = [...events].reverse().map((e) => e.id);

      const page1 = await s.audit.query({ partnerId, limit: 2, offset: 0 });
      const page3 = await s.audit.query({ partnerId, limit: 2, offset: 4 });
      expect(page1.events.map((e) => e.id)).toEqual(newestFirst.slice(0, 2));
      expect(page3.events.map((e) => e.id)).toEqual(newestFirst.slice(4));
      expect(page1.total).toBe(5);
      expect(page3.total).toBe(5);
    });
  });
}
