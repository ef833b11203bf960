import request from 'supertest';
import type { Express } from 'express';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';
import type { Org, UserInput } from '../../src/store/store';
import { portalCsrf, signInCustomer } from '../helpers/customer';
import * as f from '../helpers/factories';
import { TestSmtpServer } from '../helpers/smtp-server';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';

const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const FOREIGN = { id: 'p-south', name: 'Southwind Services' };
const ADMIN = 'helene.dupre@dupre.example';
const AGENT = 'agent@north.example';
const READ_ONLY_PREFIXES = ['/orgs/:id/portal', '/api/v1/orgs/:id/portal'];

type Client = ReturnType<typeof request.agent>;

interface MountedRoute { path: string; methods: string[] }
interface RouterLayer {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
}

/** Every route and every path-mounted middleware of the app, with its full path, from Express's own router stack. */
function mounted(app: Express): { routes: MountedRoute[]; middleware: string[] } {
  const routes: MountedRoute[] = [];
  const middleware: string[] = [];
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      const raw = ([] as string[]).concat(layer.rawPath ?? '/');
      if (layer.route) {
        for (const p of ([] as string[]).concat(layer.route.path)) {
          routes.push({ path: prefix + p, methods: Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]) });
        }
      } else {
        for (const p of raw) {
          const path = prefix + (p === '/' ? '' : p);
          if (layer.handle.stack) walk(layer.handle.stack, path);
          else if (p !== '/') middleware.push(path);
        }
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return { routes, middleware };
}

const underReadOnlyView = (path: string) => READ_ONLY_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

describe('the read-only org view', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let org: Org;
  let admin: UserInput;
  let member: UserInput;
  let token: string;
  let agent: Client;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
    t = await buildTestApp({
      env: { PUBLIC_URL: 'http://helpdesk.north.example' },
      mailer: () => new SmtpMailer({ url: smtp.url, from: 'Northwind Help Desk <helpdesk@north.example>' }),
    });
    await t.store.partners.upsert(PARTNER);
    await t.store.partners.upsert(FOREIGN);
    org = f.org(PARTNER.id, {
      name: 'Boulangerie Dupré',
      sites: [{ url: 'dupre.webex.com', type: 'meetings', status: 'active' }],
      subscriptions: [{ id: 'Sub-100231', plan: 'Webex Suite', status: 'active', start: '2023-04-01', end: '2030-03-31',
        licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }] }],
      settings: { sso: 'enabled', directorySync: 'off' },
    });
    await t.store.orgs.upsert(org);
    admin = f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: ADMIN, roles: ['full_admin'] });
    member = f.user(org.id, { firstName: 'Marc', lastName: 'Petit', email: 'marc.petit@dupre.example', licenses: ['MEET-ENT'] });
    await t.store.users.upsert(admin);
    await t.store.users.upsert(member);
    await t.store.users.upsert(f.user(org.id, { firstName: 'Rita', lastName: 'Reader', email: 'rita@dupre.example', roles: ['read_only_admin'] }));
    await t.store.devices.upsert(f.device(org.id, { displayName: 'Salle Rivoli', serial: 'FOC2231X0QZ', ownerUserId: member.id }));
    await t.addAgent(PARTNER.id, AGENT);
    token = await t.apiToken(AGENT);
    agent = await signIn(t.app, AGENT);
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  async function grant(period = '7d') {
    const customer = await signInCustomer(t.app, smtp, ADMIN);
    await customer.post('/customer/grants').type('form').send({ period, _csrf: await portalCsrf(customer) }).expect(303);
    return customer;
  }
  async function revoke(customer: Client) {
    const g = (await t.store.consentGrants.active(PARTNER.id, org.id, t.clock.now()))!;
    await customer.post(`/customer/grants/${g.id}/revoke`).type('form').send({ _csrf: await portalCsrf(customer) }).expect(303);
  }
  /** Posts a reason to the entry route, as the reason form does, with the session's CSRF token. */
  async function postEntry(reason: string) {
    const csrf = csrfFrom((await agent.get(`/orgs/${org.id}`).expect(200)).text);
    return agent.post(`/orgs/${org.id}/portal-entry`).type('form').send({ reason, _csrf: csrf });
  }
  async function enter(reason = 'TICKET-4821') {
    const res = await postEntry(reason);
    expect(res.status).toBe(303);
    return res;
  }
  const portalViews = async () => (await t.store.audit.query({ partnerId: PARTNER.id, action: 'portal.view', limit: 10, offset: 0 })).events;
  const api = (url: string) => request(t.app).get(url).set('Authorization', `Bearer ${token}`);

  test('when every route under the read-only view is walked, then each answers GET/HEAD only and any other method gets 404 or 405', async () => {
    const { routes, middleware } = mounted(t.app);
    const readOnly = routes.filter((r) => underReadOnlyView(r.path));
    // The API router is mounted in two lanes (Bearer token, session): its routes are walked twice.
    expect([...new Set(readOnly.map((r) => r.path))].sort()).toEqual([
      '/api/v1/orgs/:id/portal', '/api/v1/orgs/:id/portal/users/:userId', '/orgs/:id/portal', '/orgs/:id/portal/users/:userId',
    ]);
    for (const r of readOnly) expect(r.methods.filter((m) => m !== 'get' && m !== 'head')).toEqual([]);
    // No middleware mounted on those paths could answer another method either.
    expect(middleware.filter(underReadOnlyView)).toEqual([]);
    // Entering (a POST) is a sibling of the view's paths, not under them: the walk above stays meaningful.
    expect(routes.filter((r) => r.path.startsWith('/orgs/:id/portal') && !underReadOnlyView(r.path)))
      .toEqual([{ path: '/orgs/:id/portal-entry', methods: ['post'] }]);

    await grant();
    await enter();
    const csrf = csrfFrom((await agent.get(`/orgs/${org.id}`).expect(200)).text);
    for (const r of readOnly) {
      const url = r.path.replace(':id', org.id).replace(':userId', member.id);
      const isApi = url.startsWith('/api/');
      const get = isApi ? api(`${url}?reason=walk`) : agent.get(url);
      expect((await get).status).toBe(200);
      for (const method of ['post', 'put', 'patch', 'delete'] as const) {
        const res = isApi
          ? await request(t.app)[method](url).set('Authorization', `Bearer ${token}`).send({ reason: 'walk' })
          : await agent[method](url).set('x-csrf-token', csrf).send({ reason: 'walk' });
        expect([404, 405]).toContain(res.status);
      }
    }
    // Nothing was created or changed by those attempts.
    expect(await t.store.accessRequests.listByOrg(PARTNER.id, org.id, { limit: 10, offset: 0 })).toEqual([]);
  });

  test('when no grant is active, then the view answers 403 with Request access, and the API 403 {error}', async () => {
    const page = await agent.get(`/orgs/${org.id}/portal`).expect(403);
    expect(page.text).toContain('No read-only access');
    expect(page.text).toContain(`action="/orgs/${org.id}/access-requests"`);
    expect(page.text).toContain('Request access');
    expect(page.text).not.toContain('marc.petit@dupre.example');
    const res = await api(`/api/v1/orgs/${org.id}/portal?reason=x-ticket`).expect(403);
    expect(res.body).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/not granted read-only access/) } });
    await api(`/api/v1/orgs/${org.id}/portal/users/${member.id}?reason=x-ticket`).expect(403);
  });

  test('when a grant is active, then entering asks for a reason, and the view shows users, devices, licenses, sites and settings without a single form', async () => {
    await grant();
    const ask = await agent.get(`/orgs/${org.id}/portal`).expect(200);
    expect(ask.text).toContain(`<form method="post" action="/orgs/${org.id}/portal-entry"`);
    expect(ask.text).not.toContain('marc.petit@dupre.example');
    expect((await postEntry('ab')).status).toBe(400);

    expect((await enter()).headers.location).toBe(`/orgs/${org.id}/portal`);
    const view = await agent.get(`/orgs/${org.id}/portal`).expect(200);
    for (const text of ['Boulangerie Dupré', 'Marc Petit', 'marc.petit@dupre.example', 'Salle Rivoli', 'FOC2231X0QZ',
      'Meetings Enterprise', '37 of 50 used', 'dupre.webex.com', 'Directory sync', 'You are viewing Boulangerie Dupré as a read-only admin.']) {
      expect(view.text).toContain(text);
    }
    expect(view.text).not.toMatch(/<form/i);
    expect(view.text).not.toMatch(/method="post"/i);
    // The countdown: a <time> the script in public/js updates; no inline script or style (strict CSP).
    expect(view.text).toMatch(new RegExp(`<time datetime="[^"]+" data-grant-countdown data-seconds="${7 * 24 * 3600}"`));
    expect(view.text).toContain('<script src="/js/portal.js" defer></script>');
    expect(view.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(view.text).not.toMatch(/<style|\sstyle=/i);
    expect(view.headers['content-security-policy']).toContain("script-src 'self'");

    const user = await agent.get(`/orgs/${org.id}/portal/users/${member.id}`).expect(200);
    expect(user.text).toContain('MEET-ENT');
    expect(user.text).not.toMatch(/<form/i);

    // Both at the same instant of the test clock: compared as a set.
    expect((await portalViews()).map((e) => `${e.subject} ${e.detail.reason}`).sort()).toEqual([
      `org:${org.id} TICKET-4821`, `user:${member.id} TICKET-4821`,
    ]);
  });

  test('when the view is shown, then it shows what the org\'s admin sees, every value in words of the page\'s language, never a raw code', async () => {
    await grant();
    await enter();
    const view = (await agent.get(`/orgs/${org.id}/portal`).expect(200)).text;
    const users = view.split('id="p-users-h"')[1].split('</section>')[0];
    const rita = users.split('<tr>').find((r) => r.includes('Rita Reader'))!;
    expect(rita).toContain('Read-only admin');
    const marc = users.split('<tr>').find((r) => r.includes('Marc Petit'))!;
    expect(marc).toContain('Meetings Enterprise');
    expect(marc).toContain('>active<');
    const devices = view.split('id="p-devices-h"')[1].split('</section>')[0];
    expect(devices).toContain(`/portal/users/${member.id}">Marc Petit</a>`);
    // The license bars of the org page, with the subscription's state from the dates.
    const licenses = view.split('id="p-licenses-h"')[1].split('</section>')[0];
    expect(licenses).toMatch(/<meter min="0" max="50" value="37"/);
    expect(licenses).toContain('ends 2030-03-31');
    const settings = view.split('id="p-settings-h"')[1].split('</section>')[0];
    expect(settings).toContain('<dt>Single sign-on (SSO)</dt><dd>enabled</dd>');
    expect(settings).toContain('<dt>Directory sync</dt><dd>off</dd>');
    expect(view).toMatch(/dupre\.webex\.com<\/span><button[^>]*class="copy-button"[\s\S]*?<\/button> · Meetings · active/);
    for (const code of ['full_admin', 'read_only_admin', 'directorySync', '>sso<', 'MEET-ENT, ']) expect(view).not.toContain(code);
    // The users table wraps its cells inside the card (and scrolls there on a phone).
    expect(users).toContain('<div class="table-wrap">');
    expect(users).toContain('<table class="wrap-cells">');

    const fr = (await agent.get(`/orgs/${org.id}/portal`).set('Cookie', 'lang=fr').set('Accept-Language', 'fr').expect(200)).text;
    expect(fr).toContain('Administrateur en lecture seule');
    expect(fr).toContain('<dt>Authentification unique (SSO)</dt><dd>activé</dd>');
    expect(fr).toContain('<dt>Synchronisation de l’annuaire</dt><dd>désactivé</dd>');
    expect(fr).not.toMatch(/<form/i);

    const user = (await agent.get(`/orgs/${org.id}/portal/users/${admin.id}`).expect(200)).text;
    expect(user).toContain('Full admin');
    expect(user).not.toContain('full_admin');
    const withLicense = (await agent.get(`/orgs/${org.id}/portal/users/${member.id}`).expect(200)).text;
    expect(withLicense).toContain('Meetings Enterprise <span class="mono muted">MEET-ENT</span>');
  });

  test('when a link carries ?reason=, then the view ignores it: the reason form shows and nothing is kept or audited', async () => {
    await grant();
    const page = await agent.get(`/orgs/${org.id}/portal?reason=${encodeURIComponent('Asked by the customer')}`).expect(200);
    expect(page.text).toContain('Enter the read-only view');
    expect(page.text).not.toContain('marc.petit@dupre.example');
    // Still no reason in the session: the next plain visit asks again.
    expect((await agent.get(`/orgs/${org.id}/portal`).expect(200)).text).toContain('Enter the read-only view');
    expect(await portalViews()).toEqual([]);
  });

  test('when the reason is posted without the CSRF token, then it is refused and the view still asks for a reason', async () => {
    await grant();
    await agent.post(`/orgs/${org.id}/portal-entry`).type('form').send({ reason: 'Asked by the customer' }).expect(403);
    expect((await agent.get(`/orgs/${org.id}/portal`).expect(200)).text).toContain('Enter the read-only view');
    expect(await portalViews()).toEqual([]);
  });

  test('when the reason is posted without an active grant, then the entry answers 403 with Request access and keeps nothing', async () => {
    const res = await postEntry('TICKET-1');
    expect(res.status).toBe(403);
    expect(res.text).toContain('Request access');
    await grant();
    expect((await agent.get(`/orgs/${org.id}/portal`).expect(200)).text).toContain('Enter the read-only view');
  });

  test('when the API is called on the session cookie, then ?reason= is not taken (a link cannot give one) and X-Access-Reason is', async () => {
    await grant();
    const byQuery = await agent.get(`/api/v1/orgs/${org.id}/portal?reason=${encodeURIComponent('Asked by the customer')}`).expect(400);
    expect(byQuery.body.error.code).toBe('invalid');
    await agent.get(`/api/v1/orgs/${org.id}/portal/users/${member.id}?reason=linked`).expect(400);
    expect(await portalViews()).toEqual([]);
    await agent.get(`/api/v1/orgs/${org.id}/portal`).set('X-Access-Reason', 'INC-79').expect(200);
    expect((await portalViews()).map((e) => e.detail.reason)).toEqual(['INC-79']);
  });

  test('when the grant is revoked, then the very next page and API request answer 403', async () => {
    const customer = await grant('90d');
    await enter();
    await agent.get(`/orgs/${org.id}/portal`).expect(200);
    await api(`/api/v1/orgs/${org.id}/portal?reason=TICKET-1`).expect(200);
    await revoke(customer);
    await agent.get(`/orgs/${org.id}/portal`).expect(403);
    await agent.get(`/orgs/${org.id}/portal/users/${member.id}`).expect(403);
    await api(`/api/v1/orgs/${org.id}/portal?reason=TICKET-1`).expect(403);
  });

  test('when access is granted again after a revocation, then the agent gives a reason again', async () => {
    const customer = await grant();
    await enter('first reason');
    await revoke(customer);
    await customer.post('/customer/grants').type('form').send({ period: '1d', _csrf: await portalCsrf(customer) }).expect(303);
    const page = await agent.get(`/orgs/${org.id}/portal`).expect(200);
    expect(page.text).toContain('Enter the read-only view');
  });

  test('when the API reads the view, then it needs a reason (query or X-Access-Reason header), and the view is audited as API', async () => {
    await grant();
    const missing = await api(`/api/v1/orgs/${org.id}/portal`).expect(400);
    expect(missing.body.error.code).toBe('invalid');
    const byHeader = await api(`/api/v1/orgs/${org.id}/portal`).set('X-Access-Reason', 'INC-77').expect(200);
    expect(byHeader.body).toMatchObject({ org: { id: org.id, name: 'Boulangerie Dupré' }, userCount: 3, deviceCount: 1 });
    expect(byHeader.body.grant.secondsLeft).toBe(7 * 24 * 3600);
    expect(JSON.stringify(byHeader.body)).not.toContain('partnerId');
    await api(`/api/v1/orgs/${org.id}/portal?reason=INC-78`).expect(200);
    const views = await t.store.audit.query({ partnerId: PARTNER.id, action: 'portal.view', limit: 10, offset: 0 });
    expect(views.events.map((e) => `${e.detail.reason} ${e.detail.via}`).sort()).toEqual(['INC-77 api', 'INC-78 api']);
  });

  test('when an agent requests access, then the org\'s full admins receive the request through the SMTP server, and no one else does', async () => {
    await t.store.users.upsert(f.user(org.id, { firstName: 'Paul', lastName: 'Second', email: 'paul@dupre.example', roles: ['full_admin', 'support_admin'] }));
    const page = await agent.get(`/orgs/${org.id}/portal`).expect(403);
    const res = await agent.post(`/orgs/${org.id}/access-requests`).type('form')
      .send({ reason: 'Ticket 4821: meetings fail to start', _csrf: csrfFrom(page.text) }).expect(303);
    expect(res.headers.location).toBe(`/orgs/${org.id}#consent`);

    for (const to of [ADMIN, 'paul@dupre.example']) {
      const mail = await smtp.waitForMessage(to);
      expect(mail.subject).toBe('Northwind Partners asks for read-only access to Boulangerie Dupré');
      expect(mail.text).toContain('agent of the Northwind Partners help desk asks to view Boulangerie Dupré as a read-only admin.');
      expect(mail.text).toContain('Ticket 4821: meetings fail to start');
      expect(mail.text).toContain('http://helpdesk.north.example/customer/login');
      expect(mail.headers['x-helpdesk-kind']).toBe('access_request');
    }
    expect(smtp.messages.flatMap((m) => m.to).sort()).toEqual([ADMIN, 'paul@dupre.example']);
    const orgPage = await agent.get(`/orgs/${org.id}`).expect(200);
    expect(orgPage.text).toContain('Access requested. The organization’s admins were emailed.');
    expect(orgPage.text).toContain('asked for access on');
  });

  const suppress = (email: string) =>
    t.store.suppressions.upsert({ email, reason: 'hard_bounce', since: '2026-01-01T00:00:00.000Z', detail: '550 5.1.1 mailbox unavailable' });
  const requestByApi = (reason = 'Ticket 4821') =>
    request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`).send({ reason });

  test('when one of the org\'s full admins is suppressed, then the request answers 201 with how many were emailed, and only the others get the mail', async () => {
    await t.store.users.upsert(f.user(org.id, { firstName: 'Paul', lastName: 'Second', email: 'paul@dupre.example', roles: ['full_admin'] }));
    await suppress(ADMIN);
    const res = await requestByApi().expect(201);
    expect(res.body).toMatchObject({ status: 'pending', adminsNotified: 1, admins: 2 });
    await smtp.waitForMessage('paul@dupre.example');
    expect(smtp.messages.flatMap((m) => m.to)).toEqual(['paul@dupre.example']);

    await t.addAgent(PARTNER.id, 'second@north.example');
    const second = await signIn(t.app, 'second@north.example');
    const page = await second.get(`/orgs/${org.id}`).expect(200);
    await second.post(`/orgs/${org.id}/access-requests`).type('form').send({ reason: 'Ticket 4823', _csrf: csrfFrom(page.text) }).expect(303);
    expect((await second.get(`/orgs/${org.id}`).expect(200)).text)
      .toContain('Access requested. 1 of the organization’s 2 admins were emailed; the others could not be');
  });

  test('when every full admin is suppressed, then the request is still stored, the API answers 201 naming no address, and the page says nobody was emailed', async () => {
    await suppress(ADMIN);
    const res = await requestByApi().expect(201);
    expect(res.body).toMatchObject({ status: 'pending', adminsNotified: 0, admins: 1 });
    expect(JSON.stringify(res.body)).not.toContain(ADMIN);
    expect(await t.store.accessRequests.listByOrg(PARTNER.id, org.id, { limit: 10, offset: 0 })).toHaveLength(1);

    const other = f.org(PARTNER.id, { name: 'Fromagerie Martin' });
    await t.store.orgs.upsert(other);
    await t.store.users.upsert(f.user(other.id, { email: 'admin@fromagerie.example', roles: ['full_admin'] }));
    await suppress('admin@fromagerie.example');
    const page = await agent.get(`/orgs/${other.id}`).expect(200);
    const asked = await agent.post(`/orgs/${other.id}/access-requests`).type('form')
      .send({ reason: 'Ticket 4822', _csrf: csrfFrom(page.text) }).expect(303);
    const after = (await agent.get(asked.headers.location.split('#')[0]).expect(200)).text;
    expect(after).toContain('Access requested, but none of the organization’s admins could be emailed');
    expect(smtp.messages).toEqual([]);
  });

  test('when the same agent asks again while their request is pending, then that request is answered and nothing new is stored or mailed', async () => {
    const first = await requestByApi('Ticket 4821').expect(201);
    await smtp.waitForMessage(ADMIN);
    const again = await requestByApi('Ticket 4821, again').expect(201);
    expect(again.body).toMatchObject({ id: first.body.id, reason: 'Ticket 4821', alreadyPending: true });
    expect(await t.store.accessRequests.listByOrg(PARTNER.id, org.id, { limit: 10, offset: 0 })).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);

    const page = await agent.get(`/orgs/${org.id}`).expect(200);
    await agent.post(`/orgs/${org.id}/access-requests`).type('form').send({ reason: 'Ticket 4821', _csrf: csrfFrom(page.text) }).expect(303);
    expect((await agent.get(`/orgs/${org.id}`).expect(200)).text).toContain('You already asked for access on');
    expect(await t.store.accessRequests.listByOrg(PARTNER.id, org.id, { limit: 10, offset: 0 })).toHaveLength(1);
  });

  test('when the request is sent in French, then the mail is French', async () => {
    await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'fr').send({ reason: 'Ticket 12' }).expect(201);
    const mail = await smtp.waitForMessage(ADMIN);
    expect(mail.subject).toBe('Northwind Partners demande un accès en lecture seule à Boulangerie Dupré');
  });

  test('when a request has no reason, then it is refused and no mail leaves', async () => {
    const res = await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .send({ reason: ' ' }).expect(400);
    expect(res.body.error.code).toBe('invalid');
    expect(await t.store.accessRequests.listByOrg(PARTNER.id, org.id, { limit: 10, offset: 0 })).toEqual([]);
  });

  test('when an agent of another partner tries the view or a request, then the org does not exist for them', async () => {
    await grant();
    await t.addAgent(FOREIGN.id, 'agent@south.example');
    const foreign = await signIn(t.app, 'agent@south.example');
    const foreignToken = await t.apiToken('agent@south.example');
    const page = await foreign.get(`/orgs/${org.id}/portal`).expect(404);
    expect(page.text).not.toContain('Boulangerie');
    const csrf = csrfFrom((await foreign.get('/').expect(200)).text);
    const entry = await foreign.post(`/orgs/${org.id}/portal-entry`).type('form').send({ reason: 'TICKET-1', _csrf: csrf }).expect(404);
    expect(entry.text).not.toContain('Boulangerie');
    await request(t.app).get(`/api/v1/orgs/${org.id}/portal?reason=TICKET-1`).set('Authorization', `Bearer ${foreignToken}`).expect(404);
    await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${foreignToken}`)
      .send({ reason: 'Ticket 1' }).expect(404);
  });

  test('when the view is asked for a user of another org of the same partner, then it answers 404', async () => {
    const otherOrg = f.org(PARTNER.id, { name: 'Fromagerie Martin' });
    await t.store.orgs.upsert(otherOrg);
    const stranger = f.user(otherOrg.id, { email: 'stranger@fromagerie.example' });
    await t.store.users.upsert(stranger);
    await grant();
    await enter();
    await agent.get(`/orgs/${org.id}/portal/users/${stranger.id}`).expect(404);
    await api(`/api/v1/orgs/${org.id}/portal/users/${stranger.id}?reason=TICKET-1`).expect(404);
  });
});
