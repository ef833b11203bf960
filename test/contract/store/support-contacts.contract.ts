// The contract cases of src/store/support-contacts/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid } from './helpers';

export function supportContactsContract(c: StoreContract): void {
  const { tenant, changesFor } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('named support contacts', () => {
    test('when contacts are added, then listByOrg lists them by product, then name, and only for their partner', async () => {
      const { partnerId, orgId } = await tenant();
      const zoe = await s.users.upsert(f.user(orgId, { firstName: 'Zoe' }));
      const adam = await s.users.upsert(f.user(orgId, { firstName: 'Adam' }));

      expect(await s.supportContacts.add(partnerId, orgId, zoe.id, 'Webex Meetings', 4)).toBe('added');
      expect(await s.supportContacts.add(partnerId, orgId, adam.id, 'Webex Meetings', 4)).toBe('added');
      expect(await s.supportContacts.add(partnerId, orgId, zoe.id, 'Webex Calling', 4)).toBe('added');

      expect(await s.supportContacts.listByOrg(partnerId, orgId)).toEqual([
        { product: 'Webex Calling', userId: zoe.id, displayName: zoe.displayName, email: zoe.email },
        { product: 'Webex Meetings', userId: adam.id, displayName: adam.displayName, email: adam.email },
        { product: 'Webex Meetings', userId: zoe.id, displayName: zoe.displayName, email: zoe.email },
      ]);
      expect((await s.users.get(partnerId, zoe.id))?.supportContactFor.sort()).toEqual(['Webex Calling', 'Webex Meetings']);
      expect(await s.supportContacts.listByOrg(`p-${uid()}`, orgId)).toEqual([]);
    });

    test('when the user is not in the org or the partner, then add answers no_such_user and changes nothing', async () => {
      const a = await tenant();
      const b = await tenant();
      const u = await s.users.upsert(f.user(a.orgId));
      const otherOrg = f.org(a.partnerId);
      await s.orgs.upsert(otherOrg);

      expect(await s.supportContacts.add(b.partnerId, a.orgId, u.id, 'Webex Meetings', 4)).toBe('no_such_user');
      expect(await s.supportContacts.add(a.partnerId, otherOrg.id, u.id, 'Webex Meetings', 4)).toBe('no_such_user');
      expect(await s.supportContacts.add(a.partnerId, a.orgId, uid(), 'Webex Meetings', 4)).toBe('no_such_user');
      expect(await s.supportContacts.remove(b.partnerId, a.orgId, u.id, 'Webex Meetings')).toBe(false);
      expect((await s.users.get(a.partnerId, u.id))?.supportContactFor).toEqual([]);
    });

    test('when the quota is reached, then add answers quota_reached, and adding a contact again answers already', async () => {
      const { partnerId, orgId } = await tenant();
      const users = [];
      for (let i = 0; i < 3; i++) users.push(await s.users.upsert(f.user(orgId)));

      expect(await s.supportContacts.add(partnerId, orgId, users[0].id, 'Webex Meetings', 2)).toBe('added');
      expect(await s.supportContacts.add(partnerId, orgId, users[0].id, 'Webex Meetings', 2)).toBe('already');
      expect(await s.supportContacts.add(partnerId, orgId, users[1].id, 'Webex Meetings', 2)).toBe('added');
      expect(await s.supportContacts.add(partnerId, orgId, users[2].id, 'Webex Meetings', 2)).toBe('quota_reached');
      expect(await s.supportContacts.add(partnerId, orgId, users[2].id, 'Webex Calling', 2)).toBe('added');
      expect((await s.supportContacts.listByOrg(partnerId, orgId)).filter((c) => c.product === 'Webex Meetings')).toHaveLength(2);
    });

    test('when two additions race for the last place, then only one is added', async () => {
      const { partnerId, orgId } = await tenant();
      const a = await s.users.upsert(f.user(orgId));
      const b = await s.users.upsert(f.user(orgId));

      const results = await Promise.all([a, b].map((u) => s.supportContacts.add(partnerId, orgId, u.id, 'Webex Meetings', 1)));
      expect(results.sort()).toEqual(['added', 'quota_reached']);
      expect(await s.supportContacts.listByOrg(partnerId, orgId)).toHaveLength(1);
    });

    test('when a contact is added or removed, then a change for the user is recorded; a no-op records none', async () => {
      const { partnerId, orgId } = await tenant();
      const u = await s.users.upsert(f.user(orgId));
      const before = await s.changes.latestSeq();

      await s.supportContacts.add(partnerId, orgId, u.id, 'Webex Meetings', 4);
      expect(await s.supportContacts.remove(partnerId, orgId, u.id, 'Webex Meetings')).toBe(true);
      expect(await s.supportContacts.remove(partnerId, orgId, u.id, 'Webex Meetings')).toBe(false);
      expect(await s.supportContacts.add(partnerId, orgId, uid(), 'Webex Meetings', 4)).toBe('no_such_user');

      expect((await changesFor(before, [u.id])).map((c) => c.entity)).toEqual(['user', 'user']);
      expect(await s.supportContacts.listByOrg(partnerId, orgId)).toEqual([]);
      expect((await s.users.get(partnerId, u.id))?.supportContactFor).toEqual([]);
    });
  });
}
