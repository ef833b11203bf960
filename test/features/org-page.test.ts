// The org page in depth and the user page's entitlement answer, as pages and as the
// API of 4.4, with the clock set by hand so business hours are known.
import request from 'supertest';
import * as f from '../helpers/factories';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

/** The copy button views/partials/copy.ejs renders beside a value, with its English accessible name. */
const copyButton = (kind: 'domain', value: string) => `<button type="button" class="copy-button" data-copy="${value}" `
  + `aria-label="Copy ${kind} ${value}" data-copied-label="Copied ${value}"><span class="copy-text" data-copied-text="Copied">Copy</span></button>`;

describe('org page and entitlement', () => {
  let t: TestApp;
  let token: string;
  const api = (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${token}`);

  const org = f.org('p-north', {
    name: 'Boulangerie Dupré SARL',
    supportPlan: { tier: 'enterprise', region: 'emea' },
    domains: [
      { name: 'dupre.example', claimed: true, verified: true },
      { name: 'dupre-mail.example', claimed: true, verified: false },
      { name: 'old-dupre.example', claimed: false, verified: false },
    ],
    orders: [{ number: 'WO-48213379', product: 'Webex Suite', status: 'provisioned', date: '2023-03-28' }],
    subscriptions: [
      { id: 'Sub-SUITE', plan: 'Webex Suite', status: 'active', start: '2023-04-01', end: '2030-03-31',
        licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }] },
      { id: 'Sub-CALL', plan: 'Flex Plan', status: 'active', start: '2025-02-01', end: '2026-02-01',
        licenses: [{ sku: 'CALL-PRO', name: 'Calling Professional', quantity: 20, used: 12 }] },
      { id: 'Sub-OLD', plan: 'Flex Plan', status: 'expired', start: '2022-01-01', end: '2024-12-31',
        licenses: [{ sku: 'WEBINAR-1K', name: 'Webinars 1000', quantity: 1, used: 0 }] },
    ],
  });
  // Same partner, same names: the in-org search must still keep to its org.
  const sibling = f.org('p-north', { name: 'Dupré Lyon' });
  const foreign = f.org('p-south', { name: 'Boulangerie Dupont' });
  let heleneId: string;
  let siblingHeleneEmail: string;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    for (const o of [org, sibling, foreign]) await t.store.orgs.upsert(o);
    heleneId = (await t.store.users.upsert(f.user(org.id, {
      firstName: 'Hélène', lastName: 'Dupré', email: 'helene.dupre@dupre.example', roles: ['full_admin'],
      licenses: ['MEET-ENT'], supportContactFor: ['Webex Meetings'],
    }))).id;
    await t.store.users.upsert(f.user(org.id, { firstName: 'Paul', lastName: 'Martin', email: 'paul@dupre.example' }));
    await t.store.devices.upsert(f.device(org.id, { displayName: 'Salle Rivoli', ownerUserId: heleneId }));
    siblingHeleneEmail = (await t.store.users.upsert(f.user(sibling.id, { firstName: 'Hélène', lastName: 'Dupré', email: 'helene@lyon.example' }))).email;
    await t.store.devices.upsert(f.device(sibling.id, { displayName: 'Salle Rivoli', serial: 'FOC0000X0BB' }));
    await t.store.users.upsert(f.user(foreign.id, { firstName: 'Hélène', lastName: 'Dupré', email: 'helene@dupont.example' }));
    await t.sync();
    await t.addAgent('p-north', 'agent@north.example');
    token = await t.apiToken('agent@north.example');
  });
  afterAll(() => t.close());

  beforeEach(() => t.clock.set('2026-01-14T13:50:00Z')); // Wednesday 14:50 in Paris

  test('when the org page opens inside EMEA business hours, then it shows the plan, every target and when the desk closes', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/orgs/${org.id}`).expect(200);
    for (const text of ['Enterprise', 'EMEA', 'Inside business hours now · closes in 2 h 10 min', 'Europe/Paris', '14:50',
      'P1 production down, data loss', '24x7, 30 min', 'P2 major degradation', '24x5, 1 h',
      'P3 minor degradation, workaround', 'business hours, 2 h', 'P4 question, enhancement', '1 business day']) {
      expect(res.text).toContain(text);
    }
    expect(res.text).not.toMatch(/<script>|style=/);
  });

  test('when the clock reaches Friday closing time, then the page says the desk opens Monday and which targets still run', async () => {
    t.clock.set('2026-01-16T16:00:00Z'); // Friday 17:00 in Paris
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/orgs/${org.id}`).expect(200);
    expect(res.text).toContain('Outside business hours · opens in 2 d 16 h');
    // P1 (24x7) and P2 (24x5 until Friday midnight) run now; P3 and P4 wait for Monday.
    expect(res.text.match(/the clock runs/g)).toHaveLength(2);
    expect(res.text.match(/starts in 2 d 16 h/g)).toHaveLength(2);
  });

  test('when the browser prefers French, then the plan and the hours are in French', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/orgs/${org.id}`).set('Accept-Language', 'fr').expect(200);
    expect(res.text).toContain('Dans les heures ouvrées · ferme dans 2 h 10 min');
    expect(res.text).toContain('heures ouvrées, 2 h');
    expect(res.text).toContain('24 h/24, 7 j/7, 30 min');
  });

  test('when the org page opens, then subscriptions ending within 30 days, domain states, contacts and admins show', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/orgs/${org.id}`).expect(200);
    // 14 January: Sub-CALL's last day, 1 February, is 18 days away.
    expect(res.text.match(/ends in \d+ days/g)).toHaveLength(1);
    expect(res.text).toMatch(/Sub-CALL[\s\S]*?ends in 18 days \(2026-02-01\)/);
    // Each domain with its copy button, then its states.
    for (const text of ['dupre.example</span>' + copyButton('domain', 'dupre.example') + ' · claimed · verified',
      'dupre-mail.example</span>' + copyButton('domain', 'dupre-mail.example') + ' · claimed · not verified',
      'old-dupre.example</span>' + copyButton('domain', 'old-dupre.example') + ' · not claimed · not verified', 'helene.dupre@dupre.example', 'Full admin']) {
      expect(res.text).toContain(text);
    }
    expect(res.text).toMatch(/Webex Meetings <span class="badge">1 of 10/);
    expect(res.text).toMatch(/<meter[^>]+value="37"/);
  });

  test('when the org is read through the API, then it carries the plan with its targets, the hours now and the contacts', async () => {
    const res = await api(`/api/v1/orgs/${org.id}`).expect(200);
    expect(res.body.supportPlan).toEqual({
      tier: 'enterprise', region: 'emea', zone: 'Europe/Paris', hours: { open: '09:00', close: '17:00' }, contactQuota: 10,
      targets: [
        { priority: 'P1', coverage: '24x7', within: { minutes: 30 }, coveredNow: true },
        { priority: 'P2', coverage: '24x5', within: { minutes: 60 }, coveredNow: true },
        { priority: 'P3', coverage: 'business_hours', within: { minutes: 120 }, coveredNow: true },
        { priority: 'P4', coverage: 'business_hours', within: { businessDays: 1 }, coveredNow: true },
      ],
      languages: ['en'],
      includes: expect.arrayContaining([
        { feature: 'livePhoneSupport', value: true }, { feature: 'serviceReviews', value: { perYear: 2 } },
        { feature: 'technicalAccountManager', value: false },
      ]),
    });
    expect(res.body.supportPlan.includes).toHaveLength(13);
    expect(res.body.businessHours).toEqual({ open: true, closesIn: 130, zone: 'Europe/Paris', localTime: '2026-01-14T14:50:00+01:00' });
    expect(res.body.supportContacts.find((p: { product: string }) => p.product === 'Webex Meetings'))
      .toMatchObject({ count: 1, quota: 10, contacts: [{ userId: heleneId }] });
    expect(res.body.subscriptions.map((s: { id: string; endingSoon: boolean; state: string; daysLeft: number | null }) => [s.id, s.endingSoon, s.state, s.daysLeft]))
      .toEqual([['Sub-SUITE', false, 'active', 1537], ['Sub-CALL', true, 'ending', 18], ['Sub-OLD', false, 'inactive', null]]);
  });

  test('when the user page opens, then it offers the org\'s products to ask about and says which ones the user is a contact for', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/users/${heleneId}`).expect(200);
    for (const product of ['Webex Calling', 'Webex Meetings', 'Webex Suite', 'Webex Webinars']) {
      expect(res.text).toContain(`<option value="${product}"`);
    }
    expect(res.text).toContain('Yes, for Webex Meetings');
    expect(res.text).not.toContain('Licensed for');
  });

  test.each([
    ['Webex Meetings', 'Licensed for Webex Meetings (MEET-ENT)', 'Named support contact for Webex Meetings'],
    // A suite covers the licenses sold in it.
    ['Webex Suite', 'Licensed for Webex Suite (MEET-ENT)', 'Not a named support contact for Webex Suite'],
    ['Webex Calling', 'Not licensed: the org holds Webex Calling licenses, none assigned to this user',
      'Not a named support contact for Webex Calling'],
    // Its only subscription has expired.
    ['Webex Webinars', 'Not licensed: the org holds no license in force for Webex Webinars',
      'Not a named support contact for Webex Webinars'],
  ])('when the caller calls about %s, then the user page answers "%s" and "%s"', async (product, license, contact) => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/users/${heleneId}?product=${encodeURIComponent(product)}`).expect(200);
    expect(res.text).toContain(license);
    expect(res.text).toContain(contact);
    expect(res.text).toContain(`<option value="${product}" selected>`);
  });

  test('when the user is read through the API with a product, then it answers the same entitlement as data', async () => {
    const calling = await api(`/api/v1/users/${heleneId}?product=${encodeURIComponent('Webex Calling')}`).expect(200);
    expect(calling.body.support).toMatchObject({
      contactFor: ['Webex Meetings'], product: 'Webex Calling', isContactForProduct: false,
      license: { product: 'Webex Calling', answer: 'not_assigned', licensed: false, skus: [] },
    });
    const meetings = await api(`/api/v1/users/${heleneId}?product=${encodeURIComponent('Webex Meetings')}`).expect(200);
    expect(meetings.body.support).toMatchObject({ isContactForProduct: true, license: { answer: 'licensed', licensed: true, skus: ['MEET-ENT'] } });
    const none = await api(`/api/v1/users/${heleneId}`).expect(200);
    expect(none.body.support).toMatchObject({ product: null, license: null, isContactForProduct: null });
    await api(`/api/v1/users/${heleneId}?product=${'x'.repeat(201)}`).expect(400);
  });

  test('when the org is searched through the API, then only its own users and devices come back, never another org\'s', async () => {
    for (const q of ['helene', 'hélène dupré', 'rivoli', 'dupre']) {
      const res = await api(`/api/v1/orgs/${org.id}/search?q=${encodeURIComponent(q)}`).expect(200);
      expect(res.body.hits.length).toBeGreaterThan(0);
      expect(res.body.hits.every((h: { orgId: string }) => h.orgId === org.id)).toBe(true);
    }
    // The sibling's exact email, searched inside this org, finds nothing; in the sibling it finds its user.
    expect((await api(`/api/v1/orgs/${org.id}/search?q=${siblingHeleneEmail}`).expect(200)).body.hits).toEqual([]);
    expect((await api(`/api/v1/orgs/${sibling.id}/search?q=${siblingHeleneEmail}`).expect(200)).body.hits)
      .toEqual([expect.objectContaining({ kind: 'user', orgId: sibling.id })]);
    // Another partner's org does not exist for this agent.
    await api(`/api/v1/orgs/${foreign.id}/search?q=helene`).expect(404);
  });
});

describe('support plans on the org and user pages', () => {
  let t: TestApp;
  let token: string;
  const api = (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${token}`);
  const tokyo = f.org('p-north', { name: 'Kaisha KK', supportPlan: { tier: 'enterprise', region: 'japan' } });
  const small = f.org('p-north', {
    name: 'Petit Café', supportPlan: { tier: 'online', region: 'emea' },
    orders: [{ number: 'WO-1', product: 'Webex Meetings', status: 'provisioned', date: '2024-01-01' }],
  });
  const nyc = f.org('p-north', { name: 'Bagels NYC', supportPlan: { tier: 'business', region: 'americas', timeZone: 'America/New_York' } });
  let contactId: string;
  let otherId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    for (const o of [tokyo, small, nyc]) await t.store.orgs.upsert(o);
    contactId = (await t.store.users.upsert(f.user(small.id, { supportContactFor: ['Webex Meetings'] }))).id;
    otherId = (await t.store.users.upsert(f.user(small.id, { supportContactFor: [] }))).id;
    await t.addAgent('p-north', 'agent@north.example');
    token = await t.apiToken('agent@north.example');
  });
  afterAll(() => t.close());
  beforeEach(() => t.clock.set('2026-01-14T11:00:00Z')); // Wednesday: 20:00 in Tokyo, 06:00 in New York, 05:00 in Chicago

  test('when a Japan enterprise org opens in the Tokyo evening, then P2 is business hours and waits for the morning, in English and Japanese', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const page = await agent.get(`/orgs/${tokyo.id}`).expect(200);
    expect(page.text).toContain('business hours, 1 h');
    expect(page.text).not.toContain('24x5, 1 h');
    expect(page.text).toContain('English, Japanese');
    const res = await api(`/api/v1/orgs/${tokyo.id}`).expect(200);
    expect(res.body.supportPlan.languages).toEqual(['en', 'ja']);
    expect(res.body.supportPlan.targets[1]).toEqual({ priority: 'P2', coverage: 'business_hours', within: { minutes: 60 }, coveredNow: false, startsIn: 13 * 60 });
  });

  test('when the org page opens, then it lists what the plan includes and what it does not, in both languages', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const page = await agent.get(`/orgs/${tokyo.id}`).expect(200);
    expect(page.text).toContain('What this customer’s plan includes');
    expect(page.text).toMatch(/Service reviews<\/th><td>2 per year/);
    expect(page.text).toMatch(/Not included: Technical account manager, Case reviews/);
    const fr = await agent.get(`/orgs/${small.id}`).set('Accept-Language', 'fr').expect(200);
    expect(fr.text).toMatch(/Support téléphonique en direct<\/th><td>Cas P1 uniquement/);
  });

  test('when a plan names its own time zone, then the org page counts business hours on that clock', async () => {
    const res = await api(`/api/v1/orgs/${nyc.id}`).expect(200);
    expect(res.body.supportPlan.zone).toBe('America/New_York');
    expect(res.body.businessHours).toMatchObject({ open: true, zone: 'America/New_York', localTime: '2026-01-14T06:00:00-05:00' });
  });

  test('when an online-tier customer calls about a P2, then the user page says live phone support is not included and to open an online case', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const p2 = await agent.get(`/users/${contactId}?priority=P2`).expect(200);
    expect(p2.text).toContain('Live phone support is not included in this customer’s Online plan for anything but a P1: ask the caller to open an online case.');
    expect(p2.text).toContain('<option value="P2" selected>');
    const p1 = await agent.get(`/users/${contactId}?priority=P1`).expect(200);
    expect(p1.text).toContain('Live phone support is included in this customer’s plan.');
    const fr = await agent.get(`/users/${contactId}?priority=P3`).set('Accept-Language', 'fr').expect(200);
    expect(fr.text).toContain('demandez à l’appelant d’ouvrir un cas en ligne');
    const api2 = await api(`/api/v1/users/${contactId}?priority=P4`).expect(200);
    expect(api2.body.support).toMatchObject({ priority: 'P4', phoneSupport: 'online_case', limitedHelp: false });
    await api(`/api/v1/users/${contactId}?priority=P9`).expect(400);
  });

  test('when the caller is not a named support contact, then the answer says limited help only, general questions, in both languages', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const en = await agent.get(`/users/${otherId}`).expect(200);
    expect(en.text).toContain('Not a named support contact: limited help only (general questions).');
    const fr = await agent.get(`/users/${otherId}`).set('Accept-Language', 'fr').expect(200);
    expect(fr.text).toContain('N’est pas contact support désigné : aide limitée (questions générales).');
    const contact = await agent.get(`/users/${contactId}?product=${encodeURIComponent('Webex Meetings')}`).expect(200);
    expect(contact.text).not.toContain('limited help only');
    const api2 = await api(`/api/v1/users/${otherId}?product=${encodeURIComponent('Webex Meetings')}`).expect(200);
    expect(api2.body.support).toMatchObject({ isContactForProduct: false, limitedHelp: true });
  });
});

describe('subscriptions as they stand today', () => {
  let t: TestApp;
  const org = f.org('p-north', {
    name: 'Boulangerie Dupré SARL',
    orders: [{ number: 'WO-48213379', product: 'Webex Meetings', status: 'provisioned', date: '2023-03-28' }],
    subscriptions: [
      // The source still says active, but its last day has passed.
      { id: 'Sub-100231', plan: 'Webex Suite', status: 'active', start: '2023-04-01', end: '2026-03-31',
        licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }] },
      { id: 'Sub-NEXT', plan: 'Flex Plan', status: 'active', start: '2027-01-01', end: '2028-01-01',
        licenses: [{ sku: 'CALL-PRO', name: 'Calling Professional', quantity: 5, used: 0 }] },
      { id: 'Sub-LAST', plan: 'Flex Plan', status: 'trial', start: '2026-11-01', end: '2026-12-03', licenses: [] },
    ],
  });
  let userId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.orgs.upsert(org);
    userId = (await t.store.users.upsert(f.user(org.id, { licenses: ['MEET-ENT'] }))).id;
    await t.addAgent('p-north', 'agent@north.example');
  });
  afterAll(() => t.close());
  beforeEach(() => t.clock.set('2026-12-02T10:00:00Z'));

  test('when a subscription imported as active ended months ago, then the org page says it ended, as the user page\'s license check does', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const page = await agent.get(`/orgs/${org.id}`).expect(200);
    expect(page.text).toMatch(/Sub-100231<\/span><button[^>]+>.*?<\/button> ·\s*<span class="badge ended">ended 2026-03-31/);
    expect(page.text).not.toMatch(/Sub-100231<\/span><button[^>]+>.*?<\/button> ·\s*<span class="status status-active">/);
    expect(page.text).toMatch(/Sub-NEXT<\/span><button[^>]+>.*?<\/button> ·\s*<span class="badge">starts 2027-01-01/);
    expect(page.text).toMatch(/Sub-LAST[\s\S]*?ends tomorrow \(2026-12-03\)/);
    const user = await agent.get(`/users/${userId}?product=${encodeURIComponent('Webex Meetings')}`).expect(200);
    expect(user.text).toContain('Not licensed: the org holds no license in force for Webex Meetings');
  });

  test('when the org is read through the API, then each subscription carries its state and days left', async () => {
    const token = await t.apiToken('agent@north.example');
    const res = await request(t.app).get(`/api/v1/orgs/${org.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body.subscriptions.map((s: { id: string; status: string; state: string; daysLeft: number | null }) => [s.id, s.status, s.state, s.daysLeft]))
      .toEqual([['Sub-100231', 'active', 'ended', null], ['Sub-NEXT', 'active', 'not_started', null], ['Sub-LAST', 'trial', 'ending', 1]]);
  });

  test('when the page is read in French, then the states are French', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const page = await agent.get(`/orgs/${org.id}`).set('Accept-Language', 'fr').expect(200);
    expect(page.text).toContain('terminé le 2026-03-31');
    expect(page.text).toContain('commence le 2027-01-01');
    expect(page.text).toContain('se termine demain (2026-12-03)');
  });
});
