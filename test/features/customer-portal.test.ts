import request from 'supertest';
import type { Org, UserInput } from '../../src/store/store';
import { portalCsrf, signInCustomer } from '../helpers/customer';
import * as f from '../helpers/factories';
import { TestSmtpServer } from '../helpers/smtp-server';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';

const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const ADMIN = 'helene.dupre@dupre.example';
const AGENT = 'agent@north.example';
const MINUTE = 60 * 1000;

type Client = ReturnType<typeof request.agent>;

describe('customer portal: forms and layout', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let org: Org;
  let admin: UserInput;
  let customer: Client;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
    t = await buildTestApp({ mailer: () => new SmtpMailer({ url: smtp.url, from: 'helpdesk@north.example' }) });
    await t.store.partners.upsert(PARTNER);
    org = f.org(PARTNER.id, { name: 'Boulangerie Dupré' });
    await t.store.orgs.upsert(org);
    admin = f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: ADMIN, roles: ['full_admin'] });
    await t.store.users.upsert(admin);
    customer = await signInCustomer(t.app, smtp, ADMIN);
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  async function post(url: string, form: Record<string, string> = {}) {
    const res = await customer.post(url).type('form').send({ ...form, _csrf: await portalCsrf(customer) });
    expect(res.status).toBe(303);
    return (await customer.get('/customer').expect(200)).text;
  }
  const grantForm = (page: string) => page.split('action="/customer/grants"')[1].split('</form>')[0];

  test('when "until a date" is sent without a date, then the error names the field and the form keeps "until a date"', async () => {
    const page = await post('/customer/grants', { period: 'custom', until: '' });
    expect(page).toContain('“Until a date” needs a date: choose the “Last day of access”.');
    expect(page).not.toContain('Choose a period: access can last at most one year');
    expect(grantForm(page)).toMatch(/<option value="custom" selected>/);
    expect(grantForm(page)).not.toMatch(/<option value="7d" selected>/);
    expect(grantForm(page)).toMatch(/<input id="grant-until"[^>]*autofocus/);
    expect(await t.store.consentGrants.active(PARTNER.id, org.id, t.clock.now())).toBeNull();
  });

  test('when a date beyond a year is refused, then the form shows the chosen period and date again, once', async () => {
    t.clock.set('2026-03-10T09:00:00Z');
    const page = await post('/customer/grants', { period: 'custom', until: '2027-03-11' });
    expect(page).toContain('at most one year');
    expect(grantForm(page)).toMatch(/<input id="grant-until"[^>]*value="2027-03-11"/);
    // The choice was shown once: a reload is back to the default.
    const again = (await customer.get('/customer').expect(200)).text;
    expect(grantForm(again)).toMatch(/<option value="7d" selected>/);
    expect(grantForm(again)).toMatch(/<input id="grant-until"[^>]*value=""/);
  });

  describe('the access log', () => {
    const logOf = (page: string) => page.split('id="log-h"')[1].split('</section>')[0];
    const rowsOf = (page: string) => (logOf(page).split('<tbody>')[1] ?? '').split('</tbody>')[0].split('<tr>').slice(1);
    let agentId: string;

    beforeEach(async () => {
      await post('/customer/grants', { period: '30d' });
      await t.addAgent(PARTNER.id, AGENT);
      agentId = (await t.store.agents.getByEmail(AGENT))!.id;
    });

    test('when an agent opens the same pages during a call, then each visit is one row with its count and first and last time', async () => {
      const agent = await signIn(t.app, AGENT);
      const start = t.clock.now().getTime();
      const iso = (ms: number) => new Date(start + ms).toISOString();
      // A six-minute call: the org page loaded five times, a user page twice in between.
      for (let i = 0; i < 5; i++) {
        await agent.get(`/orgs/${org.id}`).expect(200);
        if (i === 2) { await agent.get(`/users/${admin.id}`).expect(200); await agent.get(`/users/${admin.id}`).expect(200); }
        t.clock.advance(90 * 1000);
      }
      // Twenty minutes later is another visit.
      t.clock.advance(20 * MINUTE);
      await agent.get(`/orgs/${org.id}`).expect(200);

      const rows = rowsOf((await customer.get('/customer').expect(200)).text);
      expect(rows).toHaveLength(3);
      expect(rows[0]).toContain('Organization page');
      expect(rows[0]).toContain('1 view');
      // Newest last view first: the call's org page (until 6 min) before its user page (at 3 min).
      expect(rows[2]).toContain('User page · Hélène Dupré');
      expect(rows[2]).toContain('2 views');
      expect(rows[1]).toContain('Organization page');
      expect(rows[1]).toContain('5 views');
      // First and last view of the visit, the second without its date (same day).
      expect(rows[1]).toContain(`<time datetime="${iso(0)}" title="${iso(0).slice(0, 16).replace('T', ' ')} UTC">${iso(0).slice(0, 16).replace('T', ' ')} UTC</time> – <time datetime="${iso(6 * MINUTE)}"`);
      expect(rows[1]).toContain(`>${iso(6 * MINUTE).slice(11, 16)} UTC</time>`);
    });

    test('when the log holds more than 20 visits, then it is paged newest first with links to older and newer', async () => {
      for (let i = 0; i < 45; i++) {
        await t.store.audit.append({
          id: `v-${String(i).padStart(2, '0')}`, at: new Date(Date.UTC(2026, 0, 1) + i * 30 * MINUTE).toISOString(), actorId: agentId,
          actorRole: 'helpdesk', partnerId: PARTNER.id, orgId: org.id, subject: `org:${org.id}`, action: 'org.view', outcome: 'success',
          clientIp: null, requestId: null, detail: {},
        });
      }
      const first = (await customer.get('/customer').expect(200)).text;
      expect(rowsOf(first)).toHaveLength(20);
      expect(rowsOf(first)[0]).toContain(new Date(Date.UTC(2026, 0, 1) + 44 * 30 * MINUTE).toISOString());
      expect(logOf(first)).toContain('Page 1 of 3');
      expect(logOf(first)).toContain('href="/customer?log=2#log-h"');
      const last = (await customer.get('/customer?log=3').expect(200)).text;
      expect(rowsOf(last)).toHaveLength(5);
      expect(rowsOf(last)[4]).toContain('2026-01-01T00:00:00.000Z');
      expect(logOf(last)).toContain('href="/customer?log=2#log-h"');
      await customer.get('/customer?log=abc').expect(400);
    });

    test('when a visit has no reason, then no "Reason:" label shows; when it has one, it shows with it', async () => {
      const agent = await signIn(t.app, AGENT);
      await agent.get(`/orgs/${org.id}`).expect(200);
      const ask = await agent.get(`/orgs/${org.id}/portal`).expect(200);
      await agent.post(`/orgs/${org.id}/portal-entry`).type('form').send({ reason: 'TICKET-77 license question', _csrf: csrfFrom(ask.text) }).expect(303);
      await agent.get(`/orgs/${org.id}/portal`).expect(200);
      const log = logOf((await customer.get('/customer').expect(200)).text);
      expect(log).not.toMatch(/<th[^>]*>Reason:/);
      const rows = rowsOf(`id="log-h"${log}`);
      const withReason = rows.filter((r) => r.includes('TICKET-77'));
      expect(withReason.length).toBeGreaterThan(0);
      for (const r of withReason) expect(r).toContain('Reason:');
      const orgRow = rows.find((r) => r.includes('Organization page'))!;
      expect(orgRow).not.toContain('Reason:');
    });
  });

  test('when an access request waits, then it is at the top of the portal, above access and support contacts', async () => {
    await t.addAgent(PARTNER.id, AGENT);
    const token = await t.apiToken(AGENT);
    await request(t.app).post(`/api/v1/orgs/${org.id}/access-requests`).set('Authorization', `Bearer ${token}`)
      .send({ reason: 'Ticket 4821: meetings fail to start' }).expect(201);
    const page = (await customer.get('/customer').expect(200)).text;
    const requests = page.indexOf('id="requests-h"');
    expect(requests).toBeGreaterThan(0);
    expect(requests).toBeLessThan(page.indexOf('id="access-h"'));
    expect(requests).toBeLessThan(page.indexOf('id="support-contacts"'));
    expect(page.match(/id="requests-h"/g)).toHaveLength(1);
    // With nothing waiting, the empty note stays below the support contacts.
    await post(`/customer/access-requests/${(await t.store.accessRequests.listByOrg(PARTNER.id, org.id, { status: 'pending', limit: 5, offset: 0 }))[0].id}/deny`);
    const after = (await customer.get('/customer').expect(200)).text;
    expect(after.indexOf('id="requests-h"')).toBeGreaterThan(after.indexOf('id="support-contacts"'));
  });
});
