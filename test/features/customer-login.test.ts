import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import { LINK_TTL_MS, LINKS_PER_ADDRESS } from '../../src/features/customer-sign-in/customer-sign-in.service';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';
import type { Org, UserInput } from '../../src/store/store';
import { askForLink, linksIn, signInCustomer, useLink } from '../helpers/customer';
import * as f from '../helpers/factories';
import { TestSmtpServer } from '../helpers/smtp-server';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const ADMIN = 'helene.dupre@dupre.example';
const PUBLIC_URL = 'http://helpdesk.north.example';

describe('customer admin sign-in by magic link', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let org: Org;
  let admin: UserInput;
  let logs: string;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
    logs = '';
    t = await buildTestApp({
      env: { PUBLIC_URL },
      mailer: () => new SmtpMailer({ url: smtp.url, from: 'Northwind Help Desk <helpdesk@north.example>' }),
      logLevel: 'info',
      logStream: new Writable({ write(chunk, _enc, cb) { logs += String(chunk); cb(); } }),
    });
    await t.store.partners.upsert(PARTNER);
    org = f.org(PARTNER.id, { name: 'Boulangerie Dupré' });
    await t.store.orgs.upsert(org);
    admin = f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: ADMIN, roles: ['full_admin'] });
    await t.store.users.upsert(admin);
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  const app = () => t.app;

  test('when a full admin asks for a link, then one mail brings a link to PUBLIC_URL/customer/login/<token> valid 15 minutes', async () => {
    const res = await askForLink(app(), ADMIN);
    expect(res.text).toContain('Check your mailbox');
    const mail = await smtp.waitForMessage(ADMIN);
    expect(mail.subject).toBe('Your sign-in link to the Northwind Partners customer portal');
    expect(mail.text).toMatch(new RegExp(`${PUBLIC_URL}/customer/login/[A-Za-z0-9_-]{43}`));
    expect(mail.text).toContain('within 15 minutes');
    expect(linksIn(mail)).toHaveLength(1);
  });

  test('when the link is opened, then a confirm page with a POST button shows and the link still works (a mail scanner cannot use it up)', async () => {
    await askForLink(app(), ADMIN);
    const [path] = linksIn(await smtp.waitForMessage(ADMIN));
    const first = await request(app()).get(path).expect(200);
    await request(app()).get(path).expect(200);
    expect(first.text).toContain('Sign in to Boulangerie Dupré');
    expect(first.text).toMatch(new RegExp(`<form method="post" action="${path}"`));
    const { res } = await useLink(app(), path);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/customer');
  });

  test('when the link is used, then the admin is signed in to their org with a new session id, and a second use fails', async () => {
    await askForLink(app(), ADMIN);
    const [path] = linksIn(await smtp.waitForMessage(ADMIN));
    const client = request.agent(app());
    const confirm = await client.get(path).expect(200);
    const before = /helpdesk\.sid=([^;]+)/.exec(String(confirm.headers['set-cookie']))?.[1];
    const { res } = await useLink(app(), path, client);
    const after = /helpdesk\.sid=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const portal = await client.get('/customer').expect(200);
    expect(portal.text).toContain('Boulangerie Dupré');
    expect(portal.text).toContain('Northwind Partners');

    const again = await useLink(app(), path);
    expect(again.res.status).toBe(410);
    expect(again.res.text).toContain('This sign-in link no longer works');
    const signIns = await t.store.audit.query({ partnerId: PARTNER.id, action: 'customer.sign_in', limit: 10, offset: 0 });
    expect(signIns.events.map((e) => [e.actorId, e.actorRole, e.orgId])).toEqual([[admin.id, 'customer_admin', org.id]]);
  });

  test('when the same link is used twice at once, then exactly one use signs in', async () => {
    await askForLink(app(), ADMIN);
    const [path] = linksIn(await smtp.waitForMessage(ADMIN));
    const [a, b] = [request.agent(app()), request.agent(app())];
    const tokens = await Promise.all([a, b].map(async (c) => /name="_csrf" value="([^"]+)"/.exec((await c.get(path)).text)![1]));
    const results = await Promise.all([a, b].map((c, i) => c.post(path).type('form').send({ _csrf: tokens[i] })));
    expect(results.map((r) => r.status).sort()).toEqual([303, 410]);
  });

  test('when 15 minutes have passed, then the link no longer works; at 14:59 it still does', async () => {
    await askForLink(app(), ADMIN);
    const [late] = linksIn(await smtp.waitForMessage(ADMIN));
    t.clock.advance(LINK_TTL_MS);
    await request(app()).get(late).expect(410);
    expect((await useLink(app(), late)).res.status).toBe(410);

    await askForLink(app(), ADMIN);
    const [inTime] = linksIn(await smtp.waitForMessage(ADMIN));
    t.clock.advance(LINK_TTL_MS - 1000);
    expect((await useLink(app(), inTime)).res.status).toBe(303);
  });

  test('when an unknown address, a user without full_admin or an agent asks, then the answer page is the same and no mail leaves', async () => {
    await t.store.users.upsert(f.user(org.id, { email: 'reader@dupre.example', roles: ['read_only_admin'] }));
    await t.addAgent(PARTNER.id, 'agent@north.example');
    const answer = async (email: string) => (await askForLink(app(), email)).text
      .replaceAll(email, 'ADDRESS').replace(/name="_csrf" value="[^"]+"/g, '');
    const known = await answer(ADMIN);
    for (const email of ['nobody@dupre.example', 'reader@dupre.example', 'agent@north.example']) {
      expect(await answer(email)).toBe(known);
    }
    await smtp.waitForMessage(ADMIN);
    // No link exists for the other addresses, so no mail can follow later either.
    expect(t.store.db.prepare('SELECT COUNT(*) AS n FROM magic_links').get()).toEqual({ n: 1 });
    expect(smtp.messages.flatMap((m) => m.to)).toEqual([ADMIN]);
  });

  test('when a link is stored, then only the SHA-256 of its token is kept, and the token never reaches a log line', async () => {
    await askForLink(app(), ADMIN);
    const [path] = linksIn(await smtp.waitForMessage(ADMIN));
    const token = path.split('/').pop()!;
    await useLink(app(), path);
    const rows = t.store.db.prepare('SELECT * FROM magic_links').all();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).toContain(crypto.createHash('sha256').update(token).digest('hex'));
    expect(logs).toContain('/customer/login/[redacted]');
    expect(logs).not.toContain(token);
  });

  test('when links have expired, then the next request purges them', async () => {
    await askForLink(app(), ADMIN);
    await smtp.waitForMessage(ADMIN);
    t.clock.advance(LINK_TTL_MS + 1);
    await askForLink(app(), 'nobody@dupre.example');
    expect(t.store.db.prepare('SELECT COUNT(*) AS n FROM magic_links').get()).toEqual({ n: 0 });
  });

  test('when the address is a full admin of two orgs, then one mail holds one link per org, each signing in to its own org', async () => {
    const other = f.org(PARTNER.id, { name: 'Fromagerie Dupré' });
    await t.store.orgs.upsert(other);
    await t.store.users.upsert(f.user(other.id, { email: ADMIN, roles: ['full_admin'] }));
    await askForLink(app(), ADMIN);
    const mail = await smtp.waitForMessage(ADMIN);
    expect(mail.text).toContain('You are an admin of several organizations');
    const paths = linksIn(mail);
    expect(paths).toHaveLength(2);
    const names: string[] = [];
    for (const path of paths) {
      const { client } = await useLink(app(), path);
      names.push(/<h1>([^<]+)<\/h1>/.exec((await client.get('/customer').expect(200)).text)![1]);
    }
    expect(names.sort()).toEqual(['Boulangerie Dupré', 'Fromagerie Dupré']);
  });

  test(`when an address asked ${LINKS_PER_ADDRESS.limit} times in an hour, then the next ask answers 429, known or not`, async () => {
    for (const email of [ADMIN, 'nobody@dupre.example']) {
      for (let i = 0; i < LINKS_PER_ADDRESS.limit; i++) await askForLink(app(), email);
      const refused = await askForLink(app(), email, 429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  test('when a customer admin opens agent pages or the API, then they are no agent: 404 for pages, 401 for the API', async () => {
    const client = await signInCustomer(app(), smtp, ADMIN);
    await client.get(`/orgs/${org.id}`).expect(404);
    await client.get(`/orgs/${org.id}/portal`).expect(404);
    await client.get(`/users/${admin.id}`).expect(404);
    await client.get(`/api/v1/orgs/${org.id}`).expect(401);
    await client.get(`/api/v1/orgs/${org.id}/portal?reason=curious`).expect(401);
    expect((await client.get('/').expect(303)).headers.location).toBe('/customer');
  });

  test('when the admin loses the full_admin role, then their next request is signed out', async () => {
    const client = await signInCustomer(app(), smtp, ADMIN);
    await client.get('/customer').expect(200);
    await t.store.users.upsert({ ...admin, roles: ['read_only_admin'] });
    expect((await client.get('/customer').expect(303)).headers.location).toBe('/customer/login');
  });

  test('when an agent is signed in and a customer admin link is used in the same browser, then the agent session ends', async () => {
    await t.addAgent(PARTNER.id, 'agent@north.example');
    const client = await signIn(app(), 'agent@north.example');
    await askForLink(app(), ADMIN);
    const [path] = linksIn(await smtp.waitForMessage(ADMIN));
    await useLink(app(), path, client);
    await client.get(`/orgs/${org.id}`).expect(404);
  });
});
