// What the customer's consent protects (src/features/orgs/orgs.service.ts): without a grant an
// agent sees the org's identity, sites, domains, licenses, admins and support plan, and finds the
// caller one at a time; the org's whole user and device inventory and its settings are the
// read-only view's, which answers only while the org's admins allow it.
import crypto from 'node:crypto';
import request from 'supertest';
import * as f from '../helpers/factories';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

const PARTNER = 'p-north';
const org = f.org(PARTNER, {
  name: 'Boulangerie Dupré SARL',
  domains: [{ name: 'dupre.example', claimed: true, verified: true }],
  sites: [{ url: 'dupre.webex.com', type: 'meetings', status: 'active' }],
  subscriptions: [{ id: 'Sub-SUITE', plan: 'Webex Suite', status: 'active', start: '2023-04-01', end: '2030-03-31',
    licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }] }],
  supportPlan: { tier: 'enterprise', region: 'emea' },
  settings: { ssoIdentityProvider: 'idp-settingvalue.dupre.example' },
});

/** What only the inventory holds: a non-admin's address and licence, a device's name and serial, a setting. */
const INVENTORY = ['paul.inventory@dupre.example', 'CALL-INVENTORY-SKU', 'Salle Inventaire', 'FOCINVENTORY01', 'ssoIdentityProvider', 'idp-settingvalue'];
/** What the org page keeps without consent. */
const SUMMARY = ['Boulangerie Dupré SARL', 'dupre.example', 'dupre.webex.com', 'MEET-ENT', 'admin.helene@dupre.example'];

describe('the line consent draws on the org page and API', () => {
  let t: TestApp;
  let token: string;
  let paulId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: PARTNER, name: 'Northwind' });
    await t.store.orgs.upsert(org);
    await t.store.users.upsert(f.user(org.id, { firstName: 'Hélène', lastName: 'Admin', email: 'admin.helene@dupre.example', roles: ['full_admin'] }));
    paulId = (await t.store.users.upsert(f.user(org.id, {
      firstName: 'Paul', lastName: 'Inventaire', email: 'paul.inventory@dupre.example', licenses: ['CALL-INVENTORY-SKU'],
    }))).id;
    await t.store.devices.upsert(f.device(org.id, { displayName: 'Salle Inventaire', serial: 'FOCINVENTORY01' }));
    await t.sync();
    await t.addAgent(PARTNER, 'agent@north.example');
    token = await t.apiToken('agent@north.example');
  });
  afterAll(() => t.close());

  const api = (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${token}`);

  test('when no grant exists, then GET /api/v1/orgs/:id holds the org summary but no user list, no device list and no settings', async () => {
    const res = await api(`/api/v1/orgs/${org.id}`).expect(200);

    expect(res.body).not.toHaveProperty('users');
    expect(res.body).not.toHaveProperty('devices');
    expect(res.body.org).not.toHaveProperty('settings');
    for (const s of INVENTORY) expect(res.text).not.toContain(s);
    for (const s of SUMMARY) expect(res.text).toContain(s);
    expect(res.body).toMatchObject({ userCount: 2, deviceCount: 1, supportPlan: { tier: 'enterprise' } });
  });

  test('when no grant exists, then the org page lists no non-admin user, no device and no setting, and says where they are', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/orgs/${org.id}`).expect(200);

    for (const s of INVENTORY) expect(res.text).not.toContain(s);
    for (const s of SUMMARY) expect(res.text).toContain(s);
    expect(res.text).toContain('are in the read-only view');
    expect(res.text).toContain('Request access');
  });

  test('when no grant exists, then the agent still finds the caller by name inside the org and opens their page', async () => {
    const found = await api(`/api/v1/orgs/${org.id}/search?q=${encodeURIComponent('paul inventaire')}`).expect(200);
    expect(found.body.hits.map((h: { id: string }) => h.id)).toContain(paulId);

    const agent = await signIn(t.app, 'agent@north.example');
    const page = await agent.get(`/orgs/${org.id}?q=${encodeURIComponent('paul inventaire')}`).expect(200);
    expect(page.text).toContain(`/users/${paulId}`);
    expect((await api(`/api/v1/users/${paulId}`).expect(200)).body.user.email).toBe('paul.inventory@dupre.example');
  });

  test('when the org grants access, then the inventory and settings are in the read-only view, and still not on the org page', async () => {
    const now = t.clock.now();
    await t.store.consentGrants.create({ id: crypto.randomUUID(), orgId: org.id, partnerId: PARTNER, grantedBy: 'admin', grantedByEmail: 'admin.helene@dupre.example',
      grantedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 86_400_000).toISOString(), revokedAt: null, revokedBy: null,
      requestId: null, lang: 'en' }, now);

    const portal = await api(`/api/v1/orgs/${org.id}/portal?reason=${encodeURIComponent('ticket 4711')}`).expect(200);
    for (const s of INVENTORY) expect(portal.text).toContain(s);
    const orgApi = await api(`/api/v1/orgs/${org.id}`).expect(200);
    for (const s of INVENTORY) expect(orgApi.text).not.toContain(s);
  });
});
