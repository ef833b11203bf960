// The contract cases of src/store/lifecycle/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { AuditEvent, Store } from '../../../src/store/store';
import * as f from '../../helpers/factories';
import { type StoreContract, uid, HOUR, eventOf, verificationOf, grantOf, requestOf, appErrorOf, batchesOf } from './helpers';

export function lifecycleContract(c: StoreContract): void {
  const { tenant, changesFor } = c;
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('data lifecycle: deletion, transfer, erasure', () => {
    const customerSession = (orgId: string, userId: string) => ({
      sid: `sid-${uid()}`, agentId: null,
      data: JSON.stringify({ cookie: {}, customerAdmin: { userId, orgId, partnerId: 'p', email: 'a@example.com' } }),
      expiresAt: new Date(Date.now() + HOUR).toISOString(),
    });

    test('when an org is deleted, then it, its users and devices are gone with a change each, its grant revoked, its request closed and its customer sessions ended', async () => {
      const { partnerId, orgId } = await tenant();
      const admin = await s.users.upsert(f.user(orgId, { roles: ['full_admin'] }));
      const device = await s.devices.upsert(f.device(orgId, { ownerUserId: admin.id }));
      const grant = grantOf(partnerId, orgId);
      await s.consentGrants.create(grant, new Date());
      const request = requestOf(partnerId, orgId);
      await s.accessRequests.create(request);
      const session = customerSession(orgId, admin.id);
      await s.sessions.set(session);
      const verification = verificationOf(partnerId, orgId, admin.id);
      await s.verifications.create(verification);
      const before = await s.changes.latestSeq();

      const deleted = await s.lifecycle.deleteOrg(orgId, { at: new Date() });

      expect(deleted).toMatchObject({ org: { id: orgId }, users: 1, devices: 1, grantsRevoked: 1, requestsClosed: 1, sessionsEnded: 1 });
      expect(await s.orgs.get(partnerId, orgId)).toBeNull();
      expect(await s.users.get(partnerId, admin.id)).toBeNull();
      expect(await s.devices.get(partnerId, device.id)).toBeNull();
      expect(await s.orgs.getByIds([orgId])).toEqual([]);
      expect(await s.verifications.get(partnerId, verification.id)).toBeNull();
      expect(await s.sessions.get(session.sid, new Date())).toBeNull();
      const kept = await s.consentGrants.get(partnerId, orgId, grant.id);
      expect(kept?.revokedAt).not.toBeNull();
      expect(await s.consentGrants.active(partnerId, orgId, new Date())).toBeNull();
      expect((await s.accessRequests.get(partnerId, orgId, request.id))?.status).not.toBe('pending');
      const changes = await changesFor(before, [orgId, admin.id, device.id]);
      expect(changes.map((c) => `${c.entity}:${c.id}`).sort()).toEqual([`device:${device.id}`, `org:${orgId}`, `user:${admin.id}`].sort());
    });

    test('when what does not exist, or belongs to another partner, is deleted, then nothing changes and null is answered', async () => {
      const a = await tenant();
      const b = await tenant();
      const user = await s.users.upsert(f.user(a.orgId));
      const device = await s.devices.upsert(f.device(a.orgId));
      const before = await s.changes.latestSeq();
      const asB = { partnerId: b.partnerId, at: new Date() };

      expect(await s.lifecycle.deleteOrg(uid(), { at: new Date() })).toBeNull();
      expect(await s.lifecycle.deleteOrg(a.orgId, asB)).toBeNull();
      expect(await s.lifecycle.deleteUser(user.id, asB)).toBeNull();
      expect(await s.lifecycle.deleteDevice(device.id, asB)).toBeNull();
      expect(await s.users.get(a.partnerId, user.id)).toEqual(user);
      expect(await s.devices.get(a.partnerId, device.id)).toEqual(device);
      expect(await changesFor(before, [a.orgId, user.id, device.id])).toEqual([]);
    });

    test('when a user is deleted, then they are gone, devices they owned keep no owner, and deleting again answers null', async () => {
      const { partnerId, orgId } = await tenant();
      const user = await s.users.upsert(f.user(orgId));
      const device = await s.devices.upsert(f.device(orgId, { ownerUserId: user.id }));
      const before = await s.changes.latestSeq();

      expect(await s.lifecycle.deleteUser(user.id, { partnerId, at: new Date() })).toEqual(user);
      expect(await s.users.get(partnerId, user.id)).toBeNull();
      expect((await s.devices.get(partnerId, device.id))?.ownerUserId).toBeNull();
      expect((await changesFor(before, [user.id, device.id])).map((c) => c.entity).sort()).toEqual(['device', 'user']);
      expect(await s.lifecycle.deleteUser(user.id, { partnerId, at: new Date() })).toBeNull();
    });

    test('when a device is deleted, then it is gone with a change', async () => {
      const { partnerId, orgId } = await tenant();
      const device = await s.devices.upsert(f.device(orgId));
      const before = await s.changes.latestSeq();
      expect(await s.lifecycle.deleteDevice(device.id, { at: new Date() })).toEqual(device);
      expect(await s.devices.get(partnerId, device.id)).toBeNull();
      expect((await changesFor(before, [device.id])).map((c) => c.entity)).toEqual(['device']);
    });

    test('when an org is transferred, then it moves with its users and devices, the old partner reads nothing of it, and its grant ends', async () => {
      const a = await tenant();
      const b = await tenant();
      const user = await s.users.upsert(f.user(a.orgId, { roles: ['full_admin'] }));
      const device = await s.devices.upsert(f.device(a.orgId, { ownerUserId: user.id }));
      await s.consentGrants.create(grantOf(a.partnerId, a.orgId), new Date());
      await s.accessRequests.create(requestOf(a.partnerId, a.orgId));
      const before = await s.changes.latestSeq();

      const moved = await s.lifecycle.transferOrg(a.orgId, b.partnerId, new Date());

      expect(moved).toMatchObject({ org: { id: a.orgId, partnerId: b.partnerId }, fromPartnerId: a.partnerId, users: 1, devices: 1, grantsRevoked: 1, requestsClosed: 1 });
      expect(await s.orgs.get(a.partnerId, a.orgId)).toBeNull();
      expect(await s.users.get(a.partnerId, user.id)).toBeNull();
      expect(await s.devices.get(a.partnerId, device.id)).toBeNull();
      expect(await s.orgs.get(b.partnerId, a.orgId)).toEqual({ ...a.org, partnerId: b.partnerId });
      expect(await s.users.get(b.partnerId, user.id)).toEqual({ ...user, partnerId: b.partnerId });
      expect(await s.devices.get(b.partnerId, device.id)).toEqual({ ...device, partnerId: b.partnerId });
      expect(await s.consentGrants.active(a.partnerId, a.orgId, new Date())).toBeNull();
      expect(await s.accessRequests.listByOrg(a.partnerId, a.orgId, { limit: 10, offset: 0, status: 'pending' })).toEqual([]);
      expect((await changesFor(before, [a.orgId, user.id, device.id])).map((c) => c.entity).sort()).toEqual(['device', 'org', 'user']);
      // An upsert naming the old partner is still refused.
      expect((await appErrorOf(s.orgs.upsert(a.org))).code).toBe('conflict');
    });

    test('when an org is transferred to an unknown partner or its own, then it is refused and nothing moves', async () => {
      const a = await tenant();
      expect((await appErrorOf(s.lifecycle.transferOrg(a.orgId, `p-${uid()}`, new Date()))).code).toBe('invalid');
      expect((await appErrorOf(s.lifecycle.transferOrg(a.orgId, a.partnerId, new Date()))).code).toBe('conflict');
      expect(await s.lifecycle.transferOrg(uid(), a.partnerId, new Date())).toBeNull();
      expect(await s.orgs.get(a.partnerId, a.orgId)).toEqual(a.org);
    });

    test('when the ids of a partner are listed, then each of its records comes once and no other partner\'s', async () => {
      const a = await tenant();
      const b = await tenant();
      const users = [];
      for (let i = 0; i < 5; i++) users.push((await s.users.upsert(f.user(a.orgId))).id);
      await s.users.upsert(f.user(b.orgId));

      expect((await batchesOf(s.lifecycle.ids('user', a.partnerId, 2))).flat().sort()).toEqual(users.sort());
      expect((await batchesOf(s.lifecycle.ids('org', a.partnerId, 2))).flat()).toEqual([a.orgId]);
      expect((await batchesOf(s.lifecycle.ids('device', a.partnerId, 2))).flat()).toEqual([]);
    });

    test('when an address is erased, then its users in every partner, their codes, suppression and events are gone; again, nothing', async () => {
      const a = await tenant();
      const b = await tenant();
      const email = `erase-${uid()}@example.com`;
      const one = await s.users.upsert(f.user(a.orgId, { email }));
      const two = await s.users.upsert(f.user(b.orgId, { email }));
      const other = await s.users.upsert(f.user(a.orgId));
      await s.verifications.create(verificationOf(a.partnerId, a.orgId, one.id, { sentTo: email }));
      await s.suppressions.upsert({ email, reason: 'hard_bounce', since: '2024-05-01T10:00:00.000Z', detail: '550' });
      await s.emailEvents.append({ email, type: 'bounce', messageKind: 'welcome', at: '2024-05-01T10:00:00.000Z', detail: '550' });

      const erased = await s.lifecycle.eraseEmail(email.toUpperCase());

      expect(erased.users.map((u) => u.id).sort()).toEqual([one.id, two.id].sort());
      expect(erased).toMatchObject({ verifications: 1, suppression: true, emailEvents: 1 });
      expect(await s.users.get(a.partnerId, one.id)).toBeNull();
      expect(await s.users.get(b.partnerId, two.id)).toBeNull();
      expect(await s.users.get(a.partnerId, other.id)).toEqual(other);
      expect(await s.suppressions.get(email)).toBeNull();
      expect(await s.emailEvents.latest(email)).toBeNull();
      expect(await s.lifecycle.eraseEmail(email)).toEqual({ users: [], verifications: 0, suppression: false, emailEvents: 0, magicLinks: 0 });
    });

    test('when audit events about a user are rewritten, then those naming them change and the others stay', async () => {
      const { partnerId } = await tenant();
      const userId = uid();
      const email = `audit-${uid()}@example.com`;
      const about = eventOf(partnerId, { subject: `user:${userId}`, action: 'user.view', detail: { name: 'Jane Roe' } });
      const naming = eventOf(partnerId, { action: 'agent.invite', detail: { email } });
      const other = eventOf(partnerId, { action: 'org.view', detail: { name: 'Jane Roe' } });
      for (const e of [about, naming, other]) await s.audit.append(e);
      const scrub = (e: AuditEvent): AuditEvent => ({ ...e, detail: { ...e.detail, ...(e.detail.name ? { name: 'person:x' } : {}), ...(e.detail.email ? { email: 'person:x' } : {}) } });

      expect(await s.lifecycle.rewriteAudit({ userIds: [userId], email: email.toUpperCase() }, scrub)).toBe(2);

      const { events } = await s.audit.query({ partnerId, limit: 10, offset: 0 });
      const byId = new Map(events.map((e) => [e.id, e]));
      expect(byId.get(about.id)?.detail).toEqual({ name: 'person:x' });
      expect(byId.get(naming.id)?.detail).toEqual({ email: 'person:x' });
      expect(byId.get(other.id)?.detail).toEqual({ name: 'Jane Roe' });
    });
  });
}
