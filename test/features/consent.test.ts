import path from 'node:path';
import request from 'supertest';
import { ManualClock } from '../../src/clock';
import { unavailable } from '../../src/errors';
import { GRANT_PERIODS } from '../../src/features/consent/consent.schema';
import { createGrantReminders } from '../../src/features/grant-reminders/grant-reminders';
import { OutboxMailer } from '../../src/mail/outbox/outbox-mailer';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import type { ConsentGrant, Org, UserInput } from '../../src/store/store';
import { portalCsrf, signInCustomer } from '../helpers/customer';
import * as f from '../helpers/factories';
import { TestSmtpServer } from '../helpers/smtp-server';
import { buildTestApp, csrfFrom, signIn, tempDir, type TestApp } from '../helpers/test-app';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';

const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const ADMIN = 'helene.dupre@dupre.example';
const OTHER_ADMIN = 'admin@fromagerie.example';
const AGENT = 'agent@north.example';
const DAY = 24 * 60 * 60 * 1000;

type Client = ReturnType<typeof request.agent>;

describe('consent: grants, requests and the access log', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let org: Org;
  let otherOrg: Org;
  let admin: UserInput;
  let customer: Client;
  let token: string;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
    t = await buildTestApp({ mailer: () => new SmtpMailer({ url: smtp.url, from: 'helpdesk@north.example' }) });
    await t.store.partners.upsert(PARTNER);
    org = f.org(PARTNER.id, { name: 'Boulangerie Dupré' });
    otherOrg = f.org(PARTNER.id, { name: 'Fromagerie Martin' });
    await t.store.orgs.upsert(org);
    await t.store.orgs.upsert(otherOrg);
    admin = f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: ADMIN, roles: ['full_admin'] });
    await t.store.users.upsert(admin);
    await t.store.users.upsert(f.user(otherOrg.id, { email: OTHER_ADMIN, roles: ['full_admin'] }));
    await t.addAgent(PARTNER.id, AGENT);
    token = await t.apiToken(AGENT);
    customer = await signInCustomer(t.app, smtp, ADMIN);
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  /** A POST from the customer portal; answers the redirect and the notice shown after it. */
  async function post(client: Client, url: string, form: Record<string, string> = {}) {
    const res = await client.post(url).type('form').send({ ...form, _csrf: await portalCsrf(client) });
    const page = res.status === 303 ? (await client.get('/customer').expect(200)).text : '';
    return { res, page };
  }
  const active = () => t.store.consentGrants.active(PARTNER.id, org.id, t.clock.now());
  const actions = async (action: string) =>
    (await t.store.audit.query({ partnerId: PARTNER.id, action, limit: 50, offset: 0 })).events;
  const portalApi = (orgId = org.id) =>
    request(t.app).get(`/api/v1/orgs/${orgId}/portal?reason=TICKET-42`).set('Authorization', `Bearer ${token}`);

  test.each(Object.entries(GRANT_PERIODS))('when a customer admin grants %s, then the grant ends exactly then and is audited', async (period, ms) => {
    const { res, page } = await post(customer, '/customer/grants', { period });
    expect(res.status).toBe(303);
    expect(page).toContain('Read-only access granted.');
    const grant = (await active())!;
    expect(Date.parse(grant.expiresAt) - t.clock.now().getTime()).toBe(ms);
    expect(grant).toMatchObject({ grantedBy: admin.id, grantedByEmail: ADMIN, orgId: org.id, partnerId: PARTNER.id, revokedAt: null });
    const [event] = await actions('consent.grant');
    expect(event).toMatchObject({ actorId: admin.id, actorRole: 'customer_admin', orgId: org.id, subject: `grant:${grant.id}` });
  });

  test('when a custom end date within a year is chosen, then access lasts to the end of that day; beyond a year it is refused', async () => {
    t.clock.set('2026-03-10T09:00:00Z');
    expect((await post(customer, '/customer/grants', { period: 'custom', until: '2027-03-11' })).page).toContain('at most one year');
    expect(await active()).toBeNull();
    await post(customer, '/customer/grants', { period: 'custom', until: '2026-04-30' });
    expect((await active())!.expiresAt).toBe('2026-05-01T00:00:00.000Z');
  });

  test('when time passes the end, then the grant expires on its own, stays in the history and the view answers 403', async () => {
    await post(customer, '/customer/grants', { period: '1d' });
    await portalApi().expect(200);
    t.clock.advance(DAY - 1000);
    await portalApi().expect(200);
    t.clock.advance(1000);
    const refused = await portalApi().expect(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(await active()).toBeNull();
    // A day is past the session's 12 h limit: the admin signs in again.
    const page = (await (await signInCustomer(t.app, smtp, ADMIN)).get('/customer').expect(200)).text;
    expect(page).toContain('Expired');
    expect(page).toContain('Grant read-only access');
  });

  test('when "Until a date" is chosen without a date, then the notice asks for the last day of access and nothing is granted', async () => {
    t.clock.set('2026-01-10T09:00:00Z');
    const { res, page } = await post(customer, '/customer/grants', { period: 'custom', until: '' });
    expect(res.status).toBe(303);
    expect(page).toContain('needs a date: choose the');
    expect(page).not.toContain('The last day of access is not a date of the calendar');
    expect(await active()).toBeNull();
  });

  test('when a custom end date does not exist (31 February), then it is refused with a clear message instead of rolling over', async () => {
    t.clock.set('2026-01-10T09:00:00Z');
    const { res, page } = await post(customer, '/customer/grants', { period: 'custom', until: '2026-02-31' });
    expect(res.status).toBe(303);
    expect(page).toContain('The last day of access is not a date of the calendar');
    expect(await active()).toBeNull();
    await post(customer, '/customer/grants', { period: 'custom', until: '2026-02-28' });
    expect((await active())!.expiresAt).toBe('2026-03-01T00:00:00.000Z');
  });

  test('when a grant is extended, then a preset adds to the current end, is audited, and a shorter end is refused', async () => {
    await post(customer, '/customer/grants', { period: '7d' });
    const grant = (await active())!;
    await post(customer, `/customer/grants/${grant.id}/extend`, { period: '30d' });
    const extended = (await active())!;
    expect(extended.id).toBe(grant.id);
    expect(Date.parse(extended.expiresAt) - Date.parse(grant.expiresAt)).toBe(30 * DAY);
    expect((await actions('consent.extend'))[0].detail).toEqual({ from: grant.expiresAt, expiresAt: extended.expiresAt });

    const tooShort = await post(customer, `/customer/grants/${grant.id}/extend`, { period: 'custom', until: grant.grantedAt.slice(0, 10) });
    expect(tooShort.page).toContain('must end later than the current end');
    expect((await active())!.expiresAt).toBe(extended.expiresAt);
  });

  test('when access is already granted, then granting again is refused until it is revoked', async () => {
    await post(customer, '/customer/grants', { period: '7d' });
    expect((await post(customer, '/customer/grants', { period: '90d' })).page).toContain('This changed in the meantime');
    expect(await t.store.consentGrants.listByOrg(PARTNER.id, org.id, { limit: 10, offset: 0 })).toHaveLength(1);
  });

  test('when access is revoked, then the very next request is refused and the history keeps the grant as revoked', async () => {
    await post(customer, '/customer/grants', { period: '30d' });
    const grant = (await active())!;
    await portalApi().expect(200);
    const { page } = await post(customer, `/customer/grants/${grant.id}/revoke`);
    expect(page).toContain('Access revoked');
    await portalApi().expect(403);
    const [kept] = await t.store.consentGrants.listByOrg(PARTNER.id, org.id, { limit: 10, offset: 0 });
    expect(kept).toMatchObject({ id: grant.id, revokedBy: admin.id, revokedAt: t.clock.now().toISOString() });
    expect(page).toMatch(/Revoked <time datetime="[^"]+" title="[^"]+ UTC">\d{4}-\d{2}-\d{2}/);
    expect(await actions('consent.revoke')).toHaveLength(1);
    // Revoking twice changes nothing.
    expect((await post(customer, `/customer/grants/${grant.id}/revoke`)).page).toContain('This changed in the meantime');
  });

  test('when an agent asks for access and the admin approves, then a grant of the chosen period exists and the request is settled', async () => {
    const asked = await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .send({ reason: 'Ticket 4821: meetings fail to start' }).expect(201);
    expect(asked.body).toMatchObject({ orgId: org.id, status: 'pending', reason: 'Ticket 4821: meetings fail to start' });
    await smtp.waitForMessage(ADMIN);
    const portal = (await customer.get('/customer').expect(200)).text;
    expect(portal).toContain('Ticket 4821: meetings fail to start');
    expect(portal).toContain(`/customer/access-requests/${asked.body.id}/approve`);

    await post(customer, `/customer/access-requests/${asked.body.id}/approve`, { period: '30d' });
    const grant = (await active())!;
    expect(grant.requestId).toBe(asked.body.id);
    expect(Date.parse(grant.expiresAt) - t.clock.now().getTime()).toBe(30 * DAY);
    expect(await t.store.accessRequests.get(PARTNER.id, org.id, asked.body.id))
      .toMatchObject({ status: 'approved', decidedBy: admin.id, grantId: grant.id });
    expect((await actions('consent.request'))[0].detail).toEqual({ reason: 'Ticket 4821: meetings fail to start', token: { id: expect.any(String), name: 'test' } });
    expect(await actions('consent.approve')).toHaveLength(1);
    // A settled request cannot be answered again.
    expect((await post(customer, `/customer/access-requests/${asked.body.id}/deny`)).page).toContain('This changed in the meantime');
  });

  test('when the grant cannot be stored during an approval, then the request stays pending (never approved without a grant) and can be approved again', async () => {
    const asked = await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .send({ reason: 'Ticket 4821' }).expect(201);
    jest.spyOn(t.store.consentGrants, 'create').mockRejectedValueOnce(unavailable('The database is not answering.'));

    const failed = await post(customer, `/customer/access-requests/${asked.body.id}/approve`, { period: '30d' });

    expect(failed.res.status).toBe(503);
    expect(await active()).toBeNull();
    expect((await t.store.accessRequests.get(PARTNER.id, org.id, asked.body.id))!.status).toBe('pending');
    expect(await actions('consent.approve')).toEqual([]);
    const { page } = await post(customer, `/customer/access-requests/${asked.body.id}/approve`, { period: '30d' });
    expect(page).toContain('Request approved');
    const grant = (await active())!;
    expect(await t.store.accessRequests.get(PARTNER.id, org.id, asked.body.id)).toMatchObject({ status: 'approved', grantId: grant.id });
  });

  test('when the answer cannot be stored after the grant was, on a store whose batch is not a transaction (MongoDB\'s), then no grant remains and the request stays pending', async () => {
    const asked = await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .send({ reason: 'Ticket 4821' }).expect(201);
    // MongooseStore.bulk() runs its work write by write; only transaction() is all or nothing there.
    jest.spyOn(t.store, 'bulk').mockImplementation((work) => work());
    jest.spyOn(t.store.accessRequests, 'decide').mockRejectedValueOnce(unavailable('The database is not answering.'));

    const failed = await post(customer, `/customer/access-requests/${asked.body.id}/approve`, { period: '30d' });

    expect(failed.res.status).toBe(503);
    expect(await active()).toBeNull();
    expect(await t.store.consentGrants.listByOrg(PARTNER.id, org.id, { limit: 10, offset: 0 })).toEqual([]);
    expect((await t.store.accessRequests.get(PARTNER.id, org.id, asked.body.id))!.status).toBe('pending');
  });

  test('when a request is approved while access is already granted, then that grant is lengthened and the request points to it', async () => {
    await post(customer, '/customer/grants', { period: '1d' });
    const granted = (await active())!;
    const asked = await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .send({ reason: 'Ticket 4821' }).expect(201);
    await post(customer, `/customer/access-requests/${asked.body.id}/approve`, { period: '30d' });
    const grant = (await active())!;
    expect(grant.id).toBe(granted.id);
    expect(Date.parse(grant.expiresAt) - t.clock.now().getTime()).toBe(30 * DAY);
    expect(await t.store.accessRequests.get(PARTNER.id, org.id, asked.body.id)).toMatchObject({ status: 'approved', grantId: granted.id });
  });

  test('when the admin denies a request, then no grant exists and the denial is audited', async () => {
    const asked = await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .send({ reason: 'Curious' }).expect(201);
    const { page } = await post(customer, `/customer/access-requests/${asked.body.id}/deny`);
    expect(page).toContain('Request denied.');
    expect(page).toContain('No pending request.');
    expect(await active()).toBeNull();
    expect(await actions('consent.deny')).toHaveLength(1);
  });

  test('when agents open org, user and read-only pages, then the access log shows who, which page, when and the reason', async () => {
    await post(customer, '/customer/grants', { period: '7d' });
    const agent = await signIn(t.app, AGENT);
    await agent.get(`/orgs/${org.id}`).expect(200);
    await agent.get(`/users/${admin.id}`).expect(200);
    const ask = await agent.get(`/orgs/${org.id}/portal`).expect(200);
    await agent.post(`/orgs/${org.id}/portal-entry`).type('form')
      .send({ reason: 'TICKET-77 license question', _csrf: csrfFrom(ask.text) }).expect(303);
    await agent.get(`/orgs/${org.id}/portal`).expect(200);
    await agent.get(`/orgs/${otherOrg.id}`).expect(200);

    const log = (await customer.get('/customer').expect(200)).text.split('id="log-h"')[1];
    expect(log).toContain('Organization page');
    expect(log).toContain('User page · Hélène Dupré');
    expect(log).toContain('Read-only view');
    expect(log).toContain('TICKET-77 license question');
    expect(log).toContain(AGENT);
    // Another org's visits are not this org's business.
    expect(log.match(/Organization page/g)).toHaveLength(1);
  });

  test('when a customer admin of one org names another org\'s grant or request, then the answer is 404 and nothing changes', async () => {
    const other = await signInCustomer(t.app, smtp, OTHER_ADMIN);
    await post(other, '/customer/grants', { period: '90d' });
    const theirs = (await t.store.consentGrants.active(PARTNER.id, otherOrg.id, t.clock.now()))!;
    const asked = await request(t.app).post(`/api/v1/orgs/${otherOrg.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .send({ reason: 'Ticket 9' }).expect(201);

    for (const [url, form] of [
      [`/customer/grants/${theirs.id}/revoke`, {}],
      [`/customer/grants/${theirs.id}/extend`, { period: '90d' }],
      [`/customer/access-requests/${asked.body.id}/approve`, { period: '1d' }],
      [`/customer/access-requests/${asked.body.id}/deny`, {}],
    ] as const) {
      expect((await post(customer, url, form)).res.status).toBe(404);
    }
    expect(await t.store.consentGrants.get(PARTNER.id, otherOrg.id, theirs.id)).toEqual(theirs);
    expect((await t.store.accessRequests.get(PARTNER.id, otherOrg.id, asked.body.id))!.status).toBe('pending');

    const mine = (await customer.get('/customer').expect(200)).text;
    expect(mine).not.toContain('Fromagerie Martin');
    expect(mine).not.toContain('Ticket 9');
    await customer.get(`/orgs/${otherOrg.id}/portal`).expect(404);
    await customer.get(`/orgs/${otherOrg.id}`).expect(404);
    await customer.get(`/api/v1/orgs/${otherOrg.id}/portal?reason=x`).expect(401);
  });

  test('when the portal forms are posted without the CSRF token, then nothing changes', async () => {
    await customer.post('/customer/grants').type('form').send({ period: '90d' }).expect(403);
    expect(await active()).toBeNull();
  });

  test('when an agent opens the org page, then the grant\'s state and the read-only link follow the grant', async () => {
    const agent = await signIn(t.app, AGENT);
    const before = (await agent.get(`/orgs/${org.id}`).expect(200)).text;
    expect(before).toContain('The customer has not granted read-only access.');
    expect(before).toContain('Request access');
    expect(before).not.toContain('as read-only admin');
    await post(customer, '/customer/grants', { period: '7d' });
    const during = (await agent.get(`/orgs/${org.id}`).expect(200)).text;
    expect(during).toContain('View Boulangerie Dupré as read-only admin');
    expect(during).toContain(`href="/orgs/${org.id}/portal"`);
    t.clock.advance(7 * DAY);
    const after = await signIn(t.app, AGENT);
    expect((await after.get(`/orgs/${org.id}`).expect(200)).text).toContain('The last grant ended on');
  });

  test('when the org page is shown in French, then the consent words are French', async () => {
    const agent = await signIn(t.app, AGENT);
    const page = await agent.get(`/orgs/${org.id}`).set('Accept-Language', 'fr').expect(200);
    expect(page.text).toContain('Demander l’accès');
    const portal = await customer.get('/customer').set('Accept-Language', 'fr').expect(200);
    expect(portal.text).toContain('Accorder l’accès en lecture seule');
    expect(csrfFrom(portal.text)).toBeTruthy();
  });

  describe('answers reach the agent who asked', () => {
    const ask = (reason = 'Ticket 4821: meetings fail to start') => request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`)
      .set('Authorization', `Bearer ${token}`).set('Accept-Language', 'fr').send({ reason }).expect(201);

    test('when the customer grants access from Partner access while a request waits, then the request is approved by that grant and the agent is emailed', async () => {
      const asked = await ask();
      await smtp.waitForMessage(ADMIN);
      await post(customer, '/customer/grants', { period: '7d' });
      const grant = (await active())!;
      expect(await t.store.accessRequests.get(PARTNER.id, org.id, asked.body.id)).toMatchObject({ status: 'approved', grantId: grant.id });
      expect((await actions('consent.approve'))[0].detail).toMatchObject({ grantId: grant.id, by: 'grant' });
      // The agent asked in French: the answer comes in French.
      const mail = await smtp.waitForMessage(AGENT);
      expect(mail.subject).toBe('Accès en lecture seule à Boulangerie Dupré accordé');
      expect(mail.text).toContain(`/orgs/${org.id}`);
      const agent = await signIn(t.app, AGENT);
      const page = (await agent.get(`/orgs/${org.id}`).expect(200)).text;
      expect(page).not.toContain('no answer yet');
      expect(page).toContain('View Boulangerie Dupré as read-only admin');
    });

    test('when the admin approves a request, then the agent is emailed until when', async () => {
      const asked = await ask();
      await post(customer, `/customer/access-requests/${asked.body.id}/approve`, { period: '30d' });
      const mail = await smtp.waitForMessage(AGENT);
      expect(mail.subject).toBe('Accès en lecture seule à Boulangerie Dupré accordé');
      expect(mail.text).toMatch(/jusqu’au .+ UTC/);
    });

    test('when the admin denies a request, then the agent is emailed and the org page says it was denied', async () => {
      const asked = await ask();
      await post(customer, `/customer/access-requests/${asked.body.id}/deny`);
      const mail = await smtp.waitForMessage(AGENT);
      expect(mail.subject).toBe('Accès en lecture seule à Boulangerie Dupré refusé');
      const agent = await signIn(t.app, AGENT);
      const page = (await agent.get(`/orgs/${org.id}`).expect(200)).text;
      expect(page).toMatch(/Your request of <time [^>]+>\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<\/time> was denied on/);
      expect(page).not.toContain('no answer yet');
    });

    test('when access was granted on request and then revoked, then the 403 page says when it was revoked, not that the request waits', async () => {
      const asked = await ask();
      await post(customer, `/customer/access-requests/${asked.body.id}/approve`, { period: '30d' });
      const grant = (await active())!;
      await post(customer, `/customer/grants/${grant.id}/revoke`);
      const agent = await signIn(t.app, AGENT);
      const denied = await agent.get(`/orgs/${org.id}/portal`).expect(403);
      expect(denied.text).not.toContain('no answer yet');
      expect(denied.text).toContain('The customer revoked access on');
    });
  });
});

describe('grant reminders', () => {
  const grantOf = (org: Org, grantedAt: Date, days: number, id = `grant-${days}`): ConsentGrant => ({
    id, orgId: org.id, partnerId: PARTNER.id, grantedBy: 'u1', grantedByEmail: ADMIN, grantedAt: grantedAt.toISOString(),
    expiresAt: new Date(grantedAt.getTime() + days * DAY).toISOString(), revokedAt: null, revokedBy: null, requestId: null, lang: 'fr',
  });

  async function seed(store: EmbeddedStore) {
    await store.partners.upsert(PARTNER);
    const org = f.org(PARTNER.id, { name: 'Boulangerie Dupré' });
    await store.orgs.upsert(org);
    await store.users.upsert(f.user(org.id, { email: ADMIN, roles: ['full_admin'] }));
    await store.users.upsert(f.user(org.id, { email: 'second@dupre.example', firstName: 'Paul', roles: ['full_admin'] }));
    await store.users.upsert(f.user(org.id, { email: 'reader@dupre.example', firstName: 'Rita', roles: ['read_only_admin'] }));
    return org;
  }

  const outbox = async (store: EmbeddedStore) => store.mailOutbox.listByPartner(PARTNER.id, { limit: 100, offset: 0 });
  const jobOn = (store: EmbeddedStore, clock: ManualClock) =>
    createGrantReminders({ store, mailer: new OutboxMailer(store, clock), publicUrl: 'http://helpdesk.test' });

  test('when a 30-day grant reaches 14 and then 2 days left, then its full admins get one reminder each time, in the granting admin\'s language', async () => {
    const store = new EmbeddedStore(':memory:');
    const start = new Date('2026-01-01T00:00:00Z');
    const clock = new ManualClock(start);
    const org = await seed(store);
    await store.consentGrants.create(grantOf(org, start, 30), start);
    const run = jobOn(store, clock);

    expect(await run(new Date(start.getTime() + 15 * DAY))).toEqual({ sent: 0 });
    expect(await run(new Date(start.getTime() + 16.5 * DAY))).toEqual({ sent: 2 });
    expect(await run(new Date(start.getTime() + 17 * DAY))).toEqual({ sent: 0 });
    expect(await run(new Date(start.getTime() + 28.5 * DAY))).toEqual({ sent: 2 });
    expect(await run(new Date(start.getTime() + 29 * DAY))).toEqual({ sent: 0 });
    expect(await run(new Date(start.getTime() + 31 * DAY))).toEqual({ sent: 0 });

    const mails = await outbox(store);
    expect(mails.map((m) => m.to).sort()).toEqual([ADMIN, ADMIN, 'second@dupre.example', 'second@dupre.example']);
    expect(mails.map((m) => m.subject)).toContain('L’accès en lecture seule de Northwind Partners à Boulangerie Dupré prend fin dans 14 jours');
    expect(mails.map((m) => m.subject)).toContain('L’accès en lecture seule de Northwind Partners à Boulangerie Dupré prend fin dans 2 jours');
    await store.close();
  });

  test('when a grant is shorter than 30 days or revoked, then no reminder goes out', async () => {
    const store = new EmbeddedStore(':memory:');
    const start = new Date('2026-01-01T00:00:00Z');
    const org = await seed(store);
    const other = f.org(PARTNER.id);
    await store.orgs.upsert(other);
    await store.consentGrants.create(grantOf(org, start, 7), start);
    await store.consentGrants.create(grantOf(other, start, 90, 'revoked-grant'), start);
    await store.consentGrants.revoke(PARTNER.id, other.id, 'revoked-grant', 'u1', start);
    const run = jobOn(store, new ManualClock(start));
    for (const day of [1, 5, 6, 77, 89]) expect(await run(new Date(start.getTime() + day * DAY))).toEqual({ sent: 0 });
    await store.close();
  });

  test('when two runs start at once in one process, then each reminder is sent once', async () => {
    const store = new EmbeddedStore(':memory:');
    const start = new Date('2026-01-01T00:00:00Z');
    const clock = new ManualClock(start);
    const org = await seed(store);
    await store.consentGrants.create(grantOf(org, start, 30), start);
    const at = new Date(start.getTime() + 20 * DAY);
    const results = await Promise.all([jobOn(store, clock)(at), jobOn(store, clock)(at)]);
    expect(results.map((r) => r.sent).sort()).toEqual([0, 2]);
    expect(await outbox(store)).toHaveLength(2);
    await store.close();
  });

  test('when two processes (two store connections on one SQLite file) run at once, then each reminder is sent once', async () => {
    const file = path.join(tempDir(), 'helpdesk.sqlite');
    const [a, b] = [new EmbeddedStore(file), new EmbeddedStore(file)];
    const start = new Date('2026-01-01T00:00:00Z');
    const clock = new ManualClock(start);
    const org = await seed(a);
    await a.consentGrants.create(grantOf(org, start, 30), start);
    const at = new Date(start.getTime() + 28.5 * DAY);
    const results = await Promise.all([jobOn(a, clock)(at), jobOn(b, clock)(at)]);
    expect(results.map((r) => r.sent).sort()).toEqual([0, 2]);
    expect(await outbox(b)).toHaveLength(2);
    await a.close();
    await b.close();
  });

  test('when a grant is extended after its reminder, then the new end gets its own reminders', async () => {
    const store = new EmbeddedStore(':memory:');
    const start = new Date('2026-01-01T00:00:00Z');
    const org = await seed(store);
    const grant = grantOf(org, start, 30);
    await store.consentGrants.create(grant, start);
    const run = jobOn(store, new ManualClock(start));
    expect((await run(new Date(start.getTime() + 20 * DAY))).sent).toBe(2);
    const now = new Date(start.getTime() + 21 * DAY);
    await store.consentGrants.extend(PARTNER.id, org.id, grant.id, new Date(start.getTime() + 40 * DAY).toISOString(), now);
    expect((await run(new Date(start.getTime() + 27 * DAY))).sent).toBe(2);
    await store.close();
  });
});
