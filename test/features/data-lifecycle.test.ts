// The data lifecycle as agents notice it: what the source deleted, what moved to another partner
// and who was erased is gone from their search, pages and API, and the audit log says what happened.
import request from 'supertest';
import { erasePerson, pseudonymOf, transferOrg } from '../../src/features/lifecycle/lifecycle.service';
import { fullSync } from '../../src/import/full-sync';
import { importNdjson } from '../../src/import/importer';
import { createLogger } from '../../src/logger';
import { Indexer } from '../../src/search-index/indexer';
import type { Device, Org, User } from '../../src/store/store';
import * as f from '../helpers/factories';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

async function* lines(items: object[]): AsyncIterable<string> {
  for (const item of items) yield JSON.stringify(item);
}
const orgLine = (o: Org) => ({ kind: 'org', ...o });
const userLine = ({ partnerId: _, ...u }: User) => ({ kind: 'user', ...u });
const deviceLine = ({ partnerId: _, ...d }: Device) => ({ kind: 'device', ...d });

describe('data lifecycle', () => {
  let t: TestApp;
  let north: string;
  let south: string;
  let org: Org;
  let helene: User;
  let marc: User;
  let room: Device;

  const api = (token: string, path: string) => request(t.app).get(path).set('Authorization', `Bearer ${token}`);
  const hitIds = async (token: string, q: string) => ((await api(token, `/api/v1/search?q=${encodeURIComponent(q)}`).expect(200)).body.hits as Array<{ id: string }>).map((h) => h.id);

  beforeEach(async () => {
    t = await buildTestApp();
    north = 'p-north';
    south = 'p-south';
    await t.store.partners.upsert({ id: north, name: 'Northwind' });
    await t.store.partners.upsert({ id: south, name: 'Southwind' });
    await t.addAgent(north, 'agent@north.example');
    await t.addAgent(north, 'admin@north.example', 'partner_admin');
    await t.addAgent(south, 'agent@south.example');
    org = f.org(north, { name: 'Zanzibar Logistics' });
    await t.store.orgs.upsert(org);
    helene = await t.store.users.upsert(f.user(org.id, { firstName: 'Hélène', lastName: 'Quillard', email: 'helene.quillard@zanzibar.example', roles: ['full_admin'] }));
    marc = await t.store.users.upsert(f.user(org.id, { firstName: 'Marc', lastName: 'Zoller', email: 'marc.zoller@zanzibar.example' }));
    room = await t.store.devices.upsert(f.device(org.id, { displayName: 'Salle Okapi', serial: 'FOC9999Z0ZZ', ownerUserId: helene.id }));
    await t.sync();
  });
  afterEach(async () => { await t.close(); });

  test('when a user is deleted at the source, then an agent\'s search no longer finds them and their page and API answer 404', async () => {
    const token = await t.apiToken('agent@north.example');
    expect(await hitIds(token, 'helene quillard')).toEqual([helene.id]);

    const summary = await importNdjson(t.store, lines([{ kind: 'delete', of: 'user', id: helene.id.toUpperCase() }]));
    await t.sync();

    expect(summary.outcomes).toMatchObject({ deleted: 1 });
    expect(await hitIds(token, 'helene quillard')).toEqual([]);
    expect(await hitIds(token, 'helene.quillard@zanzibar.example')).toEqual([]);
    await api(token, `/api/v1/users/${helene.id}`).expect(404);
    const agent = await signIn(t.app, 'agent@north.example');
    await agent.get(`/users/${helene.id}`).expect(404);
    // Marc stays; the room she owned stays, with no owner.
    expect(await hitIds(token, 'marc zoller')).toEqual([marc.id]);
    expect((await api(token, `/api/v1/devices/${room.id}`).expect(200)).body).toBeTruthy();
  });

  test('when a deletion reaches the index twice (an indexer restarted before saving its place), then the record stays out of search', async () => {
    const token = await t.apiToken('agent@north.example');
    await importNdjson(t.store, lines([{ kind: 'delete', of: 'user', id: helene.id }]));
    await t.sync();
    // A second follower of the same index replays the whole outbox, the user's creation included.
    await new Indexer(t.store, t.search, createLogger('silent')).catchUp();
    expect(await hitIds(token, 'helene quillard')).toEqual([]);
    expect(await hitIds(token, 'marc zoller')).toEqual([marc.id]);
  });

  test('when an org is deleted at the source, then its users and devices go with it, its grant is revoked, and the partner\'s audit log names it', async () => {
    const token = await t.apiToken('agent@north.example');
    await t.store.consentGrants.create({
      id: 'g-1', orgId: org.id, partnerId: north, grantedBy: helene.id, grantedByEmail: helene.email, grantedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(), revokedAt: null, revokedBy: null, requestId: null, lang: 'en',
    }, new Date());

    const summary = await importNdjson(t.store, lines([{ kind: 'delete', of: 'org', id: org.id }]));
    await t.sync();

    expect(summary.outcomes.deleted).toBe(1);
    for (const q of ['zanzibar', 'marc zoller', 'FOC9999Z0ZZ', org.id]) expect(await hitIds(token, q)).toEqual([]);
    await api(token, `/api/v1/orgs/${org.id}`).expect(404);
    await api(token, `/api/v1/users/${marc.id}`).expect(404);
    await api(token, `/api/v1/devices/${room.id}`).expect(404);
    expect(await t.store.consentGrants.active(north, org.id, new Date())).toBeNull();
    const admin = await signIn(t.app, 'admin@north.example');
    await admin.get(`/orgs/${org.id}`).expect(404);
    const page = await admin.get('/audit?action=org.delete').expect(200);
    expect(page.text).toContain('Zanzibar Logistics');
    const { events } = await t.store.audit.query({ partnerId: north, action: 'org.delete', limit: 5, offset: 0 });
    expect(events).toEqual([expect.objectContaining({ orgId: org.id, detail: expect.objectContaining({ name: 'Zanzibar Logistics', users: 2, devices: 1, grantsRevoked: 1 }) })]);
  });

  test('when a deletion names what does not exist, then the line is unchanged; a bad deletion line names its line and field, and the good lines are kept', async () => {
    const summary = await importNdjson(t.store, lines([
      { kind: 'delete', of: 'user', id: '00000000-0000-4000-8000-000000000000' },
      { kind: 'delete', of: 'team', id: marc.id },
      { kind: 'delete', of: 'user', id: 'not-a-uuid' },
      { kind: 'delete', of: 'device', id: room.id },
    ]));

    expect(summary.outcomes).toMatchObject({ unchanged: 1, deleted: 1 });
    expect(summary.failed.map((x) => x.line)).toEqual([2, 3]);
    expect(summary.failed[0].reason).toMatch(/^of: /);
    expect(summary.failed[1].reason).toBe('id: must be a UUID');
    expect(await t.store.devices.get(north, room.id)).toBeNull();
    expect(await t.store.users.get(north, marc.id)).toEqual(marc);
  });

  test('when a partner-scoped import deletes another partner\'s record, then it stays and the line is unchanged', async () => {
    const summary = await importNdjson(t.store, lines([{ kind: 'delete', of: 'user', id: marc.id }]), { partnerId: south });
    expect(summary.outcomes.unchanged).toBe(1);
    expect(await t.store.users.get(north, marc.id)).toEqual(marc);
  });

  test('when the same file is imported twice, then the second run reports every record unchanged and writes no change', async () => {
    const file = [orgLine(org), userLine(helene), userLine(marc), deviceLine(room)];
    const before = await t.store.changes.latestSeq();
    const summary = await importNdjson(t.store, lines(file));
    expect(summary.outcomes).toEqual({ added: 0, updated: 0, unchanged: 4, deleted: 0 });
    expect(await t.store.changes.latestSeq()).toBe(before);
    const renamed = await importNdjson(t.store, lines([{ ...userLine(marc), lastName: 'Zollinger', displayName: 'Marc Zollinger' }]));
    expect(renamed.outcomes).toMatchObject({ updated: 1 });
  });

  describe('full sync', () => {
    test('when the file no longer holds a user, then after the sync an agent\'s search no longer finds them, and the rest stays', async () => {
      const token = await t.apiToken('agent@north.example');
      const result = await fullSync(t.store, lines([orgLine(org), userLine(helene), deviceLine(room)]), { partnerId: north, allowMassDelete: true });
      await t.sync();

      expect(result.refused).toBeNull();
      expect(result.unlisted).toEqual({ org: 0, user: 1, device: 0 });
      expect(result.outcomes).toMatchObject({ unchanged: 3, deleted: 1 });
      expect(await hitIds(token, 'marc zoller')).toEqual([]);
      expect(await hitIds(token, 'helene quillard')).toEqual([helene.id]);
      const { events } = await t.store.audit.query({ partnerId: north, action: 'user.delete', limit: 5, offset: 0 });
      expect(events.map((e) => e.detail.name)).toEqual(['Marc Zoller']);
    });

    test('when a full sync is a dry run, then it counts what would be added, changed and deleted and changes nothing', async () => {
      const newcomer = { ...f.user(org.id, { firstName: 'Ada', lastName: 'Nouvelle' }), kind: 'user' };
      const before = await t.store.changes.latestSeq();
      const result = await fullSync(t.store, lines([orgLine(org), { ...userLine(helene), phone: '+33600000000' }, newcomer, deviceLine(room)]),
        { partnerId: north, dryRun: true, allowMassDelete: true });

      expect(result.outcomes).toEqual({ added: 1, updated: 1, unchanged: 2, deleted: 1 });
      expect(result.unlisted.user).toBe(1);
      expect(await t.store.changes.latestSeq()).toBe(before);
      expect(await t.store.users.get(north, marc.id)).toEqual(marc);
      expect(await t.store.users.get(north, helene.id)).toEqual(helene);
    });

    test('when a full sync would delete more than 20 % of the partner\'s records, then it deletes nothing unless mass deletion is allowed', async () => {
      const refused = await fullSync(t.store, lines([orgLine(org), userLine(helene), deviceLine(room)]), { partnerId: north });
      expect(refused.refused).toBe('mass_delete');
      expect(await t.store.users.get(north, marc.id)).toEqual(marc);
    });

    test('when a full sync\'s file has a bad line, then it names the line and field and deletes nothing', async () => {
      const result = await fullSync(t.store, lines([orgLine(org), { ...userLine(helene), status: 'gone' }]), { partnerId: north, allowMassDelete: true });
      expect(result.refused).toBe('failed_lines');
      expect(result.failed).toEqual([{ line: 2, reason: expect.stringMatching(/^status: /) }]);
      expect(await t.store.users.count(north)).toBe(2);
      expect(await t.store.devices.count(north)).toBe(1);
    });

    test('when a full sync\'s file names another partner or its org, then those lines are refused one by one and the other partner is untouched', async () => {
      const southOrg = f.org(south, { name: 'Southern Bakery' });
      await t.store.orgs.upsert(southOrg);
      const southUser = await t.store.users.upsert(f.user(southOrg.id));
      const result = await fullSync(t.store, lines([
        orgLine(org), userLine(helene), userLine(marc), deviceLine(room), orgLine(southOrg), { ...userLine(southUser), firstName: 'Changed' },
      ]), { partnerId: north });

      expect(result.failed.map((x) => x.line)).toEqual([5, 6]);
      expect(result.failed[0].reason).toMatch(/^partnerId: this import is for partner p-north only/);
      expect(result.failed[1].reason).toMatch(new RegExp(`^orgId: no org with id ${southOrg.id}`));
      expect(await t.store.users.get(south, southUser.id)).toEqual(southUser);
    });
  });

  describe('org transfer', () => {
    test('when an org moves to another partner, then the old partner\'s agent gets 404 and no hit, the new partner\'s finds it, and both audit logs record it', async () => {
      const northToken = await t.apiToken('agent@north.example');
      const southToken = await t.apiToken('agent@south.example');
      await t.store.accessRequests.create({
        id: 'r-1', orgId: org.id, partnerId: north, requestedBy: 'a', requestedByName: 'A', reason: 'ticket', createdAt: new Date().toISOString(),
        status: 'pending', decidedAt: null, decidedBy: null, grantId: null,
      });

      const moved = await transferOrg(t.store, org.id, south);
      await t.sync();

      expect(moved).toMatchObject({ users: 2, devices: 1, requestsClosed: 1 });
      for (const q of ['zanzibar', 'helene quillard', 'FOC9999Z0ZZ']) expect(await hitIds(northToken, q)).toEqual([]);
      await api(northToken, `/api/v1/orgs/${org.id}`).expect(404);
      await api(northToken, `/api/v1/users/${helene.id}`).expect(404);
      expect(await hitIds(southToken, 'helene quillard')).toEqual([helene.id]);
      expect((await api(southToken, `/api/v1/orgs/${org.id}`).expect(200)).body).toBeTruthy();
      expect((await t.store.audit.query({ partnerId: north, action: 'org.transfer_out', limit: 5, offset: 0 })).total).toBe(1);
      expect((await t.store.audit.query({ partnerId: south, action: 'org.transfer_in', limit: 5, offset: 0 })).total).toBe(1);

      // The old partner's import still cannot take it back.
      const again = await importNdjson(t.store, lines([orgLine(org)]));
      expect(again.failed).toEqual([{ line: 1, reason: expect.stringMatching(/belongs to another partner/) }]);
    });
  });

  describe('erasure', () => {
    test('when a person is erased, then their users, suppression and events are gone, the audit log keeps the action under a pseudonym, and erasing again erases nothing', async () => {
      const email = helene.email;
      await t.store.suppressions.upsert({ email, reason: 'hard_bounce', since: '2024-05-01T10:00:00.000Z', detail: '550' });
      await t.store.emailEvents.append({ email, type: 'bounce', messageKind: 'welcome', at: '2024-05-01T10:00:00.000Z', detail: '550' });
      const admin = await signIn(t.app, 'admin@north.example');
      await admin.get(`/users/${helene.id}`).expect(200);
      await t.store.audit.append({ id: 'e-1', at: new Date().toISOString(), actorId: null, actorRole: 'helpdesk', partnerId: north, orgId: org.id,
        subject: null, action: 'email.welcome.resend', outcome: 'success', clientIp: null, requestId: null, detail: { sentTo: email, note: 'for Hélène Quillard' } });

      const report = await erasePerson(t.store, email.toUpperCase(), 'a-secret-of-at-least-thirty-two-characters');
      await t.sync();

      const pseudonym = pseudonymOf(email, 'a-secret-of-at-least-thirty-two-characters');
      expect(report).toMatchObject({ pseudonym, suppression: true, emailEvents: 1 });
      expect(report.users.map((u) => u.id)).toEqual([helene.id]);
      expect(await t.store.suppressions.get(email)).toBeNull();
      const token = await t.apiToken('agent@north.example');
      expect(await hitIds(token, 'helene quillard')).toEqual([]);
      const { events } = await t.store.audit.query({ partnerId: north, limit: 50, offset: 0 });
      const text = JSON.stringify(events);
      expect(text).not.toMatch(/helene|hélène|quillard/i);
      expect(events.find((e) => e.id === 'e-1')?.detail).toEqual({ sentTo: pseudonym, note: `for ${pseudonym}` });
      expect(events.some((e) => e.action === 'user.view' && e.subject === `user:${helene.id}`)).toBe(true);

      const again = await erasePerson(t.store, email, 'a-secret-of-at-least-thirty-two-characters');
      expect(again).toMatchObject({ users: [], verifications: 0, suppression: false, emailEvents: 0, pseudonym });
    });
  });
});
