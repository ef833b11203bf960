// The contract cases of src/store/orgs/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid, appErrorOf, fieldsOf, batchesOf } from './helpers';

export function orgsContract(c: StoreContract): void {
  const { tenant } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('orgs', () => {
    test('when an org is upserted, then its partner reads back a plain object equal to what was written', async () => {
      const p = f.partner();
      await s.partners.upsert(p);
      const org = f.org(p.id, {
        status: 'trial',
        domains: [{ name: 'acme.example', claimed: true, verified: false }],
        sites: [{ url: 'acme.webex.com', type: 'meetings', status: 'active' }],
        orders: [{ number: 'WO-1234', product: 'Webex Meetings', status: 'provisioned', date: '2024-01-02' }],
        subscriptions: [{
          id: 'Sub-1', plan: 'Webex Suite', status: 'active', start: '2024-01-01', end: '2025-01-01',
          licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }],
        }],
        supportPlan: { tier: 'elite', region: 'apac' },
        settings: { sso: 'enabled', seats: 50, directorySync: false },
      });
      await s.orgs.upsert(org);

      const got = await s.orgs.get(p.id, org.id);
      expect(got).toEqual(org);
      expect(Object.keys(got!).sort()).toEqual(Object.keys(org).sort());
    });

    test('when an org with no support plan and no settings is upserted, then they read back as null and {}', async () => {
      const p = f.partner();
      await s.partners.upsert(p);
      const org = f.org(p.id, { supportPlan: null, settings: {} });
      await s.orgs.upsert(org);

      expect(await s.orgs.get(p.id, org.id)).toEqual(org);
    });

    test('when an org is upserted again, then the stored org is replaced by the new version', async () => {
      const { partnerId, org } = await tenant();
      const renamed = { ...org, name: 'Renamed Ltd', status: 'suspended' as const, domains: [] };
      await s.orgs.upsert(renamed);

      expect(await s.orgs.get(partnerId, org.id)).toEqual(renamed);
      expect(await s.orgs.count(partnerId)).toBe(1);
    });

    test('when another partner asks for an org, then it answers null and does not count it', async () => {
      const a = await tenant();
      const b = await tenant();

      expect(await s.orgs.get(b.partnerId, a.orgId)).toBeNull();
      expect(await s.orgs.count(a.partnerId)).toBe(1);
      expect(await s.orgs.count(b.partnerId)).toBe(1);
      expect(await s.orgs.count(`p-${uid()}`)).toBe(0);
    });

    test("when the org's partner does not exist, then the upsert is refused as invalid naming partnerId", async () => {
      const org = f.org(`p-${uid()}`);
      const err = await appErrorOf(s.orgs.upsert(org));

      expect(err.code).toBe('invalid');
      expect(fieldsOf(err)).toContain('partnerId');
      expect(await s.orgs.getByIds([org.id])).toEqual([]);
    });

    test('when an org is upserted under another partner, then it is refused as a conflict and stays with its partner', async () => {
      const a = await tenant();
      const b = await tenant();
      const err = await appErrorOf(s.orgs.upsert({ ...a.org, partnerId: b.partnerId, name: 'Stolen' }));

      expect(err.code).toBe('conflict');
      expect(await s.orgs.get(a.partnerId, a.orgId)).toEqual(a.org);
      expect(await s.orgs.get(b.partnerId, a.orgId)).toBeNull();
    });

    test("when orgs are counted without a partner, then every partner's orgs count", async () => {
      const before = await s.orgs.count();
      await tenant();
      await tenant();

      expect(await s.orgs.count()).toBeGreaterThanOrEqual(before + 2);
    });

    test('when orgs are fetched by ids, then the known ones of any partner come back in id order', async () => {
      const a = await tenant();
      const b = await tenant();

      const got = await s.orgs.getByIds([b.orgId, uid(), a.orgId]);
      expect(got).toEqual([a.org, b.org].sort((x, y) => (x.id < y.id ? -1 : 1)));
      expect(await s.orgs.getByIds([])).toEqual([]);
    });

    test('when orgs are scanned in small batches, then every org comes exactly once', async () => {
      const mine = [await tenant(), await tenant(), await tenant()].map((t) => t.orgId);

      const batches = await batchesOf(s.orgs.scan(2));
      const ids = batches.flat().map((o) => o.id);
      expect(batches.every((b) => b.length > 0 && b.length <= 2)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(mine));
      expect(ids.length).toBe(await s.orgs.count());
    });

    test('when a scan is split into parts, then every record is in exactly one part, whatever the number of parts', async () => {
      for (let i = 0; i < 5; i++) {
        const { orgId } = await tenant();
        await s.users.upsert(f.user(orgId));
        await s.devices.upsert(f.device(orgId));
      }
      const all = (await batchesOf(s.orgs.scan(100))).flat().map((o) => o.id).sort();
      for (const of of [1, 2, 3, 7]) {
        const parts = await Promise.all(Array.from({ length: of }, async (_, index) =>
          (await batchesOf(s.orgs.scan(2, { index, of }))).flat().map((o) => o.id)));
        expect(parts.flat().sort()).toEqual(all);
      }
      const users = (await batchesOf(s.users.scan(100))).flat().map((u) => u.id).sort();
      const userParts = [0, 1].map(async (index) => (await batchesOf(s.users.scan(3, { index, of: 2 }))).flat().map((u) => u.id));
      expect((await Promise.all(userParts)).flat().sort()).toEqual(users);
      const devices = (await batchesOf(s.devices.scan(100))).flat().map((d) => d.id).sort();
      const deviceParts = [0, 1, 2].map(async (index) => (await batchesOf(s.devices.scan(1, { index, of: 3 }))).flat().map((d) => d.id));
      expect((await Promise.all(deviceParts)).flat().sort()).toEqual(devices);
    });
  });
}
