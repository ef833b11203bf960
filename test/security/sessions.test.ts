// Session rules. Covered elsewhere and not repeated here: an agent's new session id
// at sign-in, idle 30 min and absolute 12 h, and sign-out (test/features/auth.test.ts); disabling an
// agent ends their sessions at once (test/features/admin.test.ts). Here: the cookie's flags over
// HTTPS, sessions shared by app processes through the store, and the same rules for customer admins.
import crypto from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../src/app';
import { ManualClock } from '../../src/clock';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { OutboxMailer } from '../../src/mail/outbox/outbox-mailer';
import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { ABSOLUTE_TIMEOUT_MS, IDLE_TIMEOUT_MS } from '../../src/http/session';
import { buildTestApp, csrfFrom, signIn, tempDir, TEST_PASSWORD_LOG_N, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';
import { secondApp } from './second-app';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const cookies = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []);

describe('the session cookie over HTTPS', () => {
  test('when PUBLIC_URL is https, then the cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/ and has no Domain', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: tempDir(), LOG_LEVEL: 'silent', PUBLIC_URL: 'https://helpdesk.example' });
    const store = new EmbeddedStore(':memory:');
    const clock = new ManualClock(new Date());
    const app = createApp({ config, store, search: new EmbeddedSearchIndex(), clock, logger: createLogger('silent'),
      mailer: new OutboxMailer(store, clock), passwordLogN: TEST_PASSWORD_LOG_N });
    // Behind the TLS-terminating proxy that PUBLIC_URL implies.
    const res = await request(app).get('/login').set('X-Forwarded-Proto', 'https').expect(200);
    const cookie = cookies(res).find((c) => c.startsWith('__Host-helpdesk.sid='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    await store.close();
  });

  test('when served over plain HTTP (development), then the cookie is still HttpOnly and SameSite=Lax', async () => {
    const t = await buildTestApp();
    const cookie = cookies(await request(t.app).get('/login')).find((c) => c.startsWith('helpdesk.sid='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    await t.close();
  });
});

describe('sessions in the store', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
    await t.addAgent('p-a', 'agent@alpha.example');
  });
  afterEach(() => t.close());

  test('when an agent signs in on one app process, then another process on the same store knows the session, and sign-out ends it on both', async () => {
    const agent = await signIn(t.app, 'agent@alpha.example');
    const page = await agent.get('/').expect(200);
    const cookie = cookies(page).map((c) => c.split(';')[0]).join('; ');
    const other = secondApp(t);
    await request(other).get('/').set('Cookie', cookie).expect(200);
    await agent.post('/logout').type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    await request(other).get('/').set('Cookie', cookie).expect(303);
  });
});

describe('customer admin sessions', () => {
  let t: TestApp;
  let token: string;
  const org = f.org('p-a');

  beforeEach(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
    await t.store.orgs.upsert(org);
    const admin = await t.store.users.upsert(f.user(org.id, { email: 'boss@acme.example', roles: ['full_admin'] }));
    token = crypto.randomBytes(32).toString('base64url');
    const now = t.clock.now();
    await t.store.magicLinks.create({ tokenHash: sha256(token), email: admin.email, partnerId: 'p-a', orgId: org.id, userId: admin.id,
      createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 600_000).toISOString(), consumedAt: null });
  });
  afterEach(() => t.close());

  async function customerSignIn() {
    const client = request.agent(t.app);
    const confirm = await client.get(`/customer/login/${token}`).expect(200);
    const before = cookies(confirm).find((c) => c.includes('helpdesk.sid='));
    const res = await client.post(`/customer/login/${token}`).type('form').send({ _csrf: csrfFrom(confirm.text) }).expect(303);
    const after = cookies(res).find((c) => c.includes('helpdesk.sid='));
    return { client, before: before?.split(';')[0], after: after?.split(';')[0] };
  }

  test('when a customer admin signs in by link, then the session id changes', async () => {
    const { before, after } = await customerSignIn();
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  test('when a customer admin is idle for more than 30 minutes, then the session has ended', async () => {
    const { client } = await customerSignIn();
    t.clock.advance(IDLE_TIMEOUT_MS - 60_000);
    await client.get('/customer').expect(200);
    t.clock.advance(IDLE_TIMEOUT_MS + 60_000);
    expect((await client.get('/customer').expect(303)).headers.location).toBe('/customer/login');
  });

  test('when a customer admin stays active past 12 hours, then the session has ended', async () => {
    const { client } = await customerSignIn();
    for (let elapsed = 0; elapsed < ABSOLUTE_TIMEOUT_MS; elapsed += 29 * 60_000) {
      t.clock.advance(29 * 60_000);
      await client.get('/customer');
    }
    await client.get('/customer').expect(303);
  });

  test('when a customer admin signs out, then the old cookie no longer opens the portal', async () => {
    const { client } = await customerSignIn();
    const portal = await client.get('/customer').expect(200);
    const cookie = cookies(portal).map((c) => c.split(';')[0]).join('; ');
    await client.post('/customer/logout').type('form').send({ _csrf: csrfFrom(portal.text) }).expect(303);
    await request(t.app).get('/customer').set('Cookie', cookie).expect(303);
  });
});
