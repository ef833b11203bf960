// The contract cases of src/store/recents/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid } from './helpers';

export function recentsContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('recently opened records', () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 15, 10, minute)).toISOString();

    test('when an agent opens records, then they are listed newest first, and another agent’s are not', async () => {
      const agentId = uid();
      const other = uid();
      const [u, o, d] = [uid(), uid(), uid()];
      await s.recents.record({ agentId, kind: 'user', id: u, openedAt: at(1) }, 30);
      await s.recents.record({ agentId, kind: 'org', id: o, openedAt: at(2) }, 30);
      await s.recents.record({ agentId, kind: 'device', id: d, openedAt: at(3) }, 30);
      await s.recents.record({ agentId: other, kind: 'user', id: uid(), openedAt: at(4) }, 30);
      expect(await s.recents.list(agentId, 10)).toEqual([
        { agentId, kind: 'device', id: d, openedAt: at(3) },
        { agentId, kind: 'org', id: o, openedAt: at(2) },
        { agentId, kind: 'user', id: u, openedAt: at(1) },
      ]);
      expect(await s.recents.list(agentId, 2)).toHaveLength(2);
    });

    test('when the same record is opened again, then it moves to the top once, and an older time never moves it back', async () => {
      const agentId = uid();
      const [a, b] = [uid(), uid()];
      await s.recents.record({ agentId, kind: 'user', id: a, openedAt: at(1) }, 30);
      await s.recents.record({ agentId, kind: 'user', id: b, openedAt: at(2) }, 30);
      await s.recents.record({ agentId, kind: 'user', id: a, openedAt: at(3) }, 30);
      await s.recents.record({ agentId, kind: 'user', id: a, openedAt: at(0) }, 30);
      expect((await s.recents.list(agentId, 10)).map((r) => [r.id, r.openedAt])).toEqual([[a, at(3)], [b, at(2)]]);
      // The same id under another kind is another entry.
      await s.recents.record({ agentId, kind: 'org', id: a, openedAt: at(4) }, 30);
      expect((await s.recents.list(agentId, 10)).map((r) => r.kind)).toEqual(['org', 'user', 'user']);
    });

    test('when an agent opens more than the store keeps, then only the newest stay', async () => {
      const agentId = uid();
      const ids = Array.from({ length: 6 }, () => uid());
      for (const [i, id] of ids.entries()) await s.recents.record({ agentId, kind: 'user', id, openedAt: at(i) }, 4);
      expect((await s.recents.list(agentId, 10)).map((r) => r.id)).toEqual(ids.slice(2).reverse());
    });

    test('when the same record is first opened twice at once, then it is listed once', async () => {
      const agentId = uid();
      const id = uid();
      await Promise.all([1, 2].map((m) => s.recents.record({ agentId, kind: 'device', id, openedAt: at(m) }, 30)));
      expect((await s.recents.list(agentId, 10)).map((r) => [r.id, r.openedAt])).toEqual([[id, at(2)]]);
    });
  });
}
