import request from 'supertest';
import type { Org, UserInput } from '../../src/store/store';
import { portalCsrf, signInCustomer } from '../helpers/customer';
import * as f from '../helpers/factories';
import { TestSmtpServer } from '../helpers/smtp-server';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';

const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const ADMIN = 'helene.dupre@dupre.example';

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
});
