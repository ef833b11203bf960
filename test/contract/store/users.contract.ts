// The contract cases of src/store/users/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { LastEmail, Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid, appErrorOf, fieldsOf, batchesOf } from './helpers';

export function usersContract(c: StoreContract): void {
  const { tenant, changesFor } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('users', () => {
    test('when a user is upserted, then partnerId comes from the org, not the input, and the email is stored in lower case', async () => {
      const a = await tenant();
      const b = await tenant();
      const input = { ...f.user(a.orgId, { email: '  Jane.DOE@Example.com ' }), partnerId: b.partnerId };

      const saved = await s.users.upsert(input);
      expect(saved.partnerId).toBe(a.partnerId);
      expect(saved.email).toBe('jane.doe@example.com');
      expect(await s.users.get(a.partnerId, input.id)).toEqual(saved);
      expect(await s.users.get(b.partnerId, input.id)).toBeNull();
    });

    test('when a user is upserted again, then get answers the new version', async () => {
      const { partnerId, orgId } = await tenant();
      const u = await s.users.upsert(f.user(orgId));
      const changed = await s.users.upsert({
        ...f.user(orgId, { id: u.id, firstName: 'Hélène', lastName: 'Dupré', status: 'inactive', roles: ['full_admin'] }),
        lastEmail: { kind: 'welcome', status: 'bounced', at: '2024-01-12T08:00:00.000Z', detail: '550 5.1.1' },
      });

      expect(await s.users.get(partnerId, u.id)).toEqual(changed);
      expect(changed).toMatchObject({ displayName: 'Hélène Dupré', status: 'inactive', partnerId });
      expect(await s.users.countByOrg(partnerId, orgId)).toBe(1);
    });

    test("when the user's org does not exist, then the upsert is refused as invalid naming orgId", async () => {
      const input = f.user(uid());
      const err = await appErrorOf(s.users.upsert(input));

      expect(err.code).toBe('invalid');
      expect(fieldsOf(err)).toContain('orgId');
      expect(await s.users.getByIds([input.id])).toEqual([]);
    });

    test('when a user is upserted into another org, then it is refused as a conflict and stays where it was', async () => {
      const { partnerId, orgId } = await tenant();
      const other = f.org(partnerId);
      await s.orgs.upsert(other);
      const u = await s.users.upsert(f.user(orgId));

      const err = await appErrorOf(s.users.upsert({ ...f.user(other.id), id: u.id }));
      expect(err.code).toBe('conflict');
      expect(await s.users.get(partnerId, u.id)).toEqual(u);
    });

    test('when another partner reads users, then get, lists, counts and email lookups find nothing', async () => {
      const a = await tenant();
      const b = await tenant();
      const u = await s.users.upsert(f.user(a.orgId, { roles: ['full_admin'] }));
      const page = { limit: 10, offset: 0 };

      expect(await s.users.get(b.partnerId, u.id)).toBeNull();
      expect(await s.users.listByOrg(b.partnerId, a.orgId, page)).toEqual([]);
      expect(await s.users.countByOrg(b.partnerId, a.orgId)).toBe(0);
      expect(await s.users.listAdmins(b.partnerId, a.orgId)).toEqual([]);
      expect(await s.users.findByEmail(b.partnerId, u.email)).toEqual([]);
      expect(await s.users.count(b.partnerId)).toBe(0);
      expect(await s.users.count(a.partnerId)).toBe(1);
    });

    test("when an org's users are listed, then they come by display name, a page at a time, and countByOrg counts them", async () => {
      const { partnerId, orgId } = await tenant();
      const names = ['Carol', 'Alice', 'Eve', 'Bob', 'Dave'];
      for (const firstName of names) await s.users.upsert(f.user(orgId, { firstName }));
      const other = f.org(partnerId);
      await s.orgs.upsert(other);
      await s.users.upsert(f.user(other.id, { firstName: 'Aaron' }));

      const first = await s.users.listByOrg(partnerId, orgId, { limit: 2, offset: 0 });
      const rest = await s.users.listByOrg(partnerId, orgId, { limit: 10, offset: 2 });
      expect(first.map((u) => u.firstName)).toEqual(['Alice', 'Bob']);
      expect(rest.map((u) => u.firstName)).toEqual(['Carol', 'Dave', 'Eve']);
      expect(await s.users.countByOrg(partnerId, orgId)).toBe(5);
    });

    test('when admins are listed, then only users holding a role come, by display name', async () => {
      const { partnerId, orgId } = await tenant();
      await s.users.upsert(f.user(orgId, { firstName: 'Zed', roles: ['read_only_admin'] }));
      await s.users.upsert(f.user(orgId, { firstName: 'Amy', roles: ['full_admin', 'support_admin'] }));
      await s.users.upsert(f.user(orgId, { firstName: 'Bea', roles: [] }));

      expect((await s.users.listAdmins(partnerId, orgId)).map((u) => u.firstName)).toEqual(['Amy', 'Zed']);
    });

    test("when users are found by email, then case does not matter and only the partner's users match", async () => {
      const a = await tenant();
      const b = await tenant();
      const email = `same-${uid()}@example.com`;
      const u1 = await s.users.upsert(f.user(a.orgId, { email }));
      const other = f.org(a.partnerId);
      await s.orgs.upsert(other);
      const u2 = await s.users.upsert(f.user(other.id, { email }));
      await s.users.upsert(f.user(b.orgId, { email }));

      const found = await s.users.findByEmail(a.partnerId, ` ${email.toUpperCase()} `);
      expect(found.map((u) => u.id).sort()).toEqual([u1.id, u2.id].sort());
      expect(found.map((u) => u.id)).toEqual(found.map((u) => u.id).sort());
      expect(await s.users.findByEmail(a.partnerId, `nobody-${uid()}@example.com`)).toEqual([]);
    });

    test("when users are counted, then count(partner) counts that partner's and count() every partner's", async () => {
      const before = await s.users.count();
      const a = await tenant();
      const b = await tenant();
      await s.users.upsert(f.user(a.orgId));
      await s.users.upsert(f.user(a.orgId));
      await s.users.upsert(f.user(b.orgId));

      expect(await s.users.count(a.partnerId)).toBe(2);
      expect(await s.users.count(b.partnerId)).toBe(1);
      expect(await s.users.count()).toBeGreaterThanOrEqual(before + 3);
    });

    test('when users are fetched by ids (in id order) and scanned, then each comes once, from any partner', async () => {
      const a = await tenant();
      const b = await tenant();
      const ua = await s.users.upsert(f.user(a.orgId));
      const ub = await s.users.upsert(f.user(b.orgId));

      expect(await s.users.getByIds([ub.id, ua.id, uid()])).toEqual([ua, ub].sort((x, y) => (x.id < y.id ? -1 : 1)));
      expect(await s.users.getByIds([])).toEqual([]);
      const batches = await batchesOf(s.users.scan(3));
      const ids = batches.flat().map((u) => u.id);
      expect(batches.every((x) => x.length > 0 && x.length <= 3)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining([ua.id, ub.id]));
      expect(ids.length).toBe(await s.users.count());
    });
  });

  describe('users: last email from mail events', () => {
    const mail = (at: string, status: LastEmail['status'] = 'bounced'): LastEmail => ({ kind: 'welcome', status, at, detail: '550 5.1.1' });

    test('when an event is recorded for an address, then every user with it, in any partner, gets it, with a change each', async () => {
      const a = await tenant();
      const b = await tenant();
      const email = `shared-${uid()}@example.com`;
      const ua = await s.users.upsert(f.user(a.orgId, { email }));
      const ub = await s.users.upsert(f.user(b.orgId, { email }));
      const other = await s.users.upsert(f.user(a.orgId));
      const before = await s.changes.latestSeq();

      const lastEmail = mail('2024-04-02T08:01:00.000Z');
      expect(await s.users.recordLastEmail(email.toUpperCase(), lastEmail)).toBe(2);
      expect((await s.users.get(a.partnerId, ua.id))?.lastEmail).toEqual(lastEmail);
      expect((await s.users.get(b.partnerId, ub.id))?.lastEmail).toEqual(lastEmail);
      expect((await s.users.get(a.partnerId, other.id))?.lastEmail).toBeNull();
      expect((await changesFor(before, [ua.id, ub.id, other.id])).map((c) => c.id).sort()).toEqual([ua.id, ub.id].sort());
    });

    test('when an older event arrives after a newer one, then it does not overwrite it; one at the same time does', async () => {
      const { partnerId, orgId } = await tenant();
      const email = `late-${uid()}@example.com`;
      const u = await s.users.upsert(f.user(orgId, { email }));
      const newer = mail('2024-04-02T10:00:00.000Z', 'delivered');
      await s.users.recordLastEmail(email, newer);

      expect(await s.users.recordLastEmail(email, mail('2024-04-02T09:00:00.000Z'))).toBe(0);
      expect((await s.users.get(partnerId, u.id))?.lastEmail).toEqual(newer);
      const sameTime = mail('2024-04-02T10:00:00.000Z', 'bounced');
      expect(await s.users.recordLastEmail(email, sameTime)).toBe(1);
      expect((await s.users.get(partnerId, u.id))?.lastEmail).toEqual(sameTime);
      expect(await s.users.recordLastEmail(`nobody-${uid()}@example.com`, newer)).toBe(0);
    });

    test('when an event names the partner whose mail it was about, then only that partner\'s users with the address get it', async () => {
      const a = await tenant();
      const b = await tenant();
      const email = `one-partner-${uid()}@example.com`;
      const ua = await s.users.upsert(f.user(a.orgId, { email }));
      const ub = await s.users.upsert(f.user(b.orgId, { email }));

      const lastEmail = mail('2024-04-02T08:01:00.000Z', 'delivered');
      expect(await s.users.recordLastEmail(email, lastEmail, a.partnerId)).toBe(1);
      expect((await s.users.get(a.partnerId, ua.id))?.lastEmail).toEqual(lastEmail);
      expect((await s.users.get(b.partnerId, ub.id))?.lastEmail).toBeNull();
    });

    test('when a suppression names the partner whose mail caused it, then it is kept with the entry', async () => {
      const email = `owned-${uid()}@example.com`;
      await s.suppressions.upsert({ email, reason: 'hard_bounce', since: '2024-04-02T08:01:00.000Z', detail: '550', partnerId: 'p-owner' });
      expect(await s.suppressions.get(email)).toMatchObject({ partnerId: 'p-owner', detail: '550' });
    });
  });

  describe('users: full admins by email', () => {
    test("when full admins are looked up by address, then only full_admin users with it come, from any partner", async () => {
      const a = await tenant();
      const b = await tenant();
      const email = `admin-${uid()}@example.com`;
      const ua = await s.users.upsert(f.user(a.orgId, { email, roles: ['full_admin'] }));
      const ub = await s.users.upsert(f.user(b.orgId, { email, roles: ['support_admin', 'full_admin'] }));
      await s.users.upsert(f.user(a.orgId, { email, roles: ['read_only_admin'] }));
      await s.users.upsert(f.user(a.orgId, { email, roles: [] }));

      const found = await s.users.findFullAdminsByEmail(email.toUpperCase());
      expect(found.map((u) => u.id).sort()).toEqual([ua.id, ub.id].sort());
      expect(await s.users.findFullAdminsByEmail(`nobody-${uid()}@example.com`)).toEqual([]);
    });
  });
}
