// The contract cases of src/store/devices/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid, appErrorOf, fieldsOf, batchesOf } from './helpers';

export function devicesContract(c: StoreContract): void {
  const { tenant } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('devices', () => {
    test('when a device is upserted, then partnerId comes from the org and an upsert again replaces it', async () => {
      const a = await tenant();
      const b = await tenant();
      const owner = await s.users.upsert(f.user(a.orgId));
      const input = { ...f.device(a.orgId, { ownerUserId: owner.id }), partnerId: b.partnerId };

      const saved = await s.devices.upsert(input);
      expect(saved.partnerId).toBe(a.partnerId);
      expect(await s.devices.get(a.partnerId, input.id)).toEqual(saved);
      expect(await s.devices.get(b.partnerId, input.id)).toBeNull();

      const moved = await s.devices.upsert(f.device(a.orgId, { id: input.id, ownerUserId: null, displayName: 'Lobby', status: 'offline' }));
      expect(await s.devices.get(a.partnerId, input.id)).toEqual(moved);
      expect(moved.ownerUserId).toBeNull();
    });

    test("when the device's org does not exist, then the upsert is refused as invalid naming orgId", async () => {
      const err = await appErrorOf(s.devices.upsert(f.device(uid())));

      expect(err.code).toBe('invalid');
      expect(fieldsOf(err)).toContain('orgId');
    });

    test("when the owner is not a user of the device's org, then the upsert is refused as invalid naming ownerUserId", async () => {
      const { partnerId, orgId } = await tenant();
      const other = f.org(partnerId);
      await s.orgs.upsert(other);
      const stranger = await s.users.upsert(f.user(other.id));

      for (const ownerUserId of [stranger.id, uid()]) {
        const device = f.device(orgId, { ownerUserId });
        const err = await appErrorOf(s.devices.upsert(device));
        expect(err.code).toBe('invalid');
        expect(fieldsOf(err)).toContain('ownerUserId');
        expect(await s.devices.get(partnerId, device.id)).toBeNull();
      }
    });

    test('when a device is upserted into another org, then it is refused as a conflict', async () => {
      const { partnerId, orgId } = await tenant();
      const other = f.org(partnerId);
      await s.orgs.upsert(other);
      const d = await s.devices.upsert(f.device(orgId));

      const err = await appErrorOf(s.devices.upsert(f.device(other.id, { id: d.id })));
      expect(err.code).toBe('conflict');
      expect(await s.devices.get(partnerId, d.id)).toEqual(d);
    });

    test('when devices are listed by org and by owner, then they come in order and paged, and another partner sees none', async () => {
      const a = await tenant();
      const b = await tenant();
      const owner = await s.users.upsert(f.user(a.orgId));
      for (const displayName of ['Room C', 'Room A', 'Room B']) {
        await s.devices.upsert(f.device(a.orgId, { displayName, ownerUserId: displayName === 'Room B' ? null : owner.id }));
      }

      expect((await s.devices.listByOrg(a.partnerId, a.orgId, { limit: 2, offset: 0 })).map((d) => d.displayName))
        .toEqual(['Room A', 'Room B']);
      expect((await s.devices.listByOrg(a.partnerId, a.orgId, { limit: 2, offset: 2 })).map((d) => d.displayName))
        .toEqual(['Room C']);
      expect(await s.devices.countByOrg(a.partnerId, a.orgId)).toBe(3);
      const owned = await s.devices.listByOwner(a.partnerId, owner.id);
      expect(owned.map((d) => d.displayName).sort()).toEqual(['Room A', 'Room C']);
      expect(owned.map((d) => d.id)).toEqual(owned.map((d) => d.id).sort());

      expect(await s.devices.listByOrg(b.partnerId, a.orgId, { limit: 10, offset: 0 })).toEqual([]);
      expect(await s.devices.countByOrg(b.partnerId, a.orgId)).toBe(0);
      expect(await s.devices.listByOwner(b.partnerId, owner.id)).toEqual([]);
      expect(await s.devices.count(b.partnerId)).toBe(0);
      expect(await s.devices.count(a.partnerId)).toBe(3);
    });

    test('when devices are counted, fetched by ids (in id order) and scanned, then each comes once', async () => {
      const before = await s.devices.count();
      const a = await tenant();
      const b = await tenant();
      const da = await s.devices.upsert(f.device(a.orgId));
      const db = await s.devices.upsert(f.device(b.orgId));

      expect(await s.devices.count()).toBeGreaterThanOrEqual(before + 2);
      expect(await s.devices.getByIds([db.id, uid(), da.id])).toEqual([da, db].sort((x, y) => (x.id < y.id ? -1 : 1)));
      expect(await s.devices.getByIds([])).toEqual([]);
      const batches = await batchesOf(s.devices.scan(1));
      const ids = batches.flat().map((d) => d.id);
      expect(batches.every((x) => x.length === 1)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining([da.id, db.id]));
    });
  });
}
