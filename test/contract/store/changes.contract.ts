// The contract cases of src/store/changes/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import crypto from 'node:crypto';
import type { Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid, sleep, appErrorOf } from './helpers';

export function changesContract(c: StoreContract): void {
  const { tenant, changesFor } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('change outbox', () => {
    test('when a follower saves its cursor, then it reads it back and it never moves back', async () => {
      const consumer = `test-${crypto.randomUUID()}`;
      expect(await s.changes.getCursor(consumer)).toBeNull();
      await s.changes.saveCursor(consumer, 42);
      await s.changes.saveCursor(consumer, 17);
      expect(await s.changes.getCursor(consumer)).toBe(42);
      await s.changes.saveCursor(consumer, 43);
      expect(await s.changes.getCursor(consumer)).toBe(43);
    });

    test('when an org, a user and a device are written, then one change each follows latestSeq, in order', async () => {
      const before = await s.changes.latestSeq();
      const { orgId } = await tenant();
      const u = await s.users.upsert(f.user(orgId));
      const d = await s.devices.upsert(f.device(orgId));

      const all = await s.changes.listAfter(before, 10_000);
      expect(all.every((c) => c.seq > before)).toBe(true);
      expect(all.map((c) => c.seq)).toEqual([...all.map((c) => c.seq)].sort((x, y) => x - y));
      const mine = all.filter((c) => [orgId, u.id, d.id].includes(c.id));
      expect(mine.map((c) => [c.entity, c.id])).toEqual([['org', orgId], ['user', u.id], ['device', d.id]]);
      expect(mine.every((c) => !Number.isNaN(Date.parse(c.at)))).toBe(true);
      expect(await s.changes.latestSeq()).toBeGreaterThanOrEqual(mine[2].seq);
    });

    test('when a record is written twice, then each write leaves its own change', async () => {
      const { partnerId, org } = await tenant();
      const before = await s.changes.latestSeq();
      await s.orgs.upsert({ ...org, name: 'Second' });
      await s.orgs.upsert({ ...org, name: 'Third' });

      expect((await changesFor(before, [org.id])).map((c) => c.entity)).toEqual(['org', 'org']);
      expect((await s.orgs.get(partnerId, org.id))?.name).toBe('Third');
    });

    test('when an upsert is refused, then no change is recorded', async () => {
      const a = await tenant();
      const b = await tenant();
      const before = await s.changes.latestSeq();
      const orphan = f.user(uid());
      await appErrorOf(s.users.upsert(orphan));
      await appErrorOf(s.orgs.upsert({ ...a.org, partnerId: b.partnerId }));
      await appErrorOf(s.devices.upsert(f.device(a.orgId, { ownerUserId: uid() })));

      expect(await changesFor(before, [orphan.id, a.orgId])).toEqual([]);
    });

    test('when listAfter is given a limit, then at most that many come, the oldest first', async () => {
      const before = await s.changes.latestSeq();
      await tenant();
      await tenant();
      await tenant();

      const two = await s.changes.listAfter(before, 2);
      const all = await s.changes.listAfter(before, 100);
      expect(two).toHaveLength(2);
      expect(two).toEqual(all.slice(0, 2));
      expect(await s.changes.listAfter(two[1].seq, 100)).toEqual(all.slice(2));
    });

    test('when a rebuild is requested, then an "all" change is appended and latestSeq reaches it', async () => {
      const before = await s.changes.latestSeq();
      await s.changes.requestRebuild();

      const rebuild = (await s.changes.listAfter(before, 10_000)).filter((c) => c.entity === 'all');
      expect(rebuild).toHaveLength(1);
      expect(rebuild[0]).toMatchObject({ entity: 'all', id: '*' });
      expect(await s.changes.latestSeq()).toBeGreaterThanOrEqual(rebuild[0].seq);
    });

    test('when changes are pruned, then those older than the date go and newer ones stay', async () => {
      const before = await s.changes.latestSeq();
      const old = await tenant();
      const [oldChange] = await changesFor(before, [old.orgId]);
      await sleep(10);
      const cut = new Date();
      await sleep(10);
      const recent = await tenant();

      expect(await s.changes.prune(cut)).toBeGreaterThanOrEqual(1);
      expect((await s.changes.listAfter(before, 10_000)).map((c) => c.id)).not.toContain(old.orgId);
      expect((await changesFor(oldChange.seq, [recent.orgId])).map((c) => c.entity)).toEqual(['org']);
      expect(await s.changes.latestSeq()).toBeGreaterThanOrEqual(oldChange.seq + 1);
      expect(await s.changes.prune(cut)).toBe(0);
    });
  });
}
