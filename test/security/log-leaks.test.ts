// What the request log must never hold, whatever the case of the address: the token of a
// single-use link (Express routes paths case-insensitively, so `/Customer/Login/<token>` works and
// must be redacted like `/customer/login/<token>`), and a customer admin's email address when their
// sign-in link could not be sent (the log names the user by id).
import crypto from 'node:crypto';
import request from 'supertest';
import { buildTestApp, csrfFrom, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

const lines: string[] = [];
let t: TestApp;
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

beforeEach(async () => {
  lines.length = 0;
  t = await buildTestApp({ logLevel: 'trace', logStream: { write: (s: string) => { lines.push(s); } } });
  await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
});
afterEach(() => t.close());

test.each([
  ['/Customer/Login/', 'a sign-in link'],
  ['/CUSTOMER/LOGIN/', 'a sign-in link'],
  ['/SET-PASSWORD/', 'an invitation'],
  ['/Set-Password/', 'an invitation'],
])('when %s<token> (%s) is opened in another case, then the log holds the path without the token', async (prefix) => {
  const token = crypto.randomBytes(32).toString('base64url');
  await request(t.app).get(`${prefix}${token}`);
  const log = lines.join('');
  expect(log).toContain(`"path":"${prefix}[redacted]"`);
  expect(log).not.toContain(token);
  expect(log).not.toContain(token.slice(0, 16));
});

test('when a real sign-in link is used with an upper-case path, then it still works and its token never reaches the log', async () => {
  const org = f.org('p-a');
  await t.store.orgs.upsert(org);
  const admin = await t.store.users.upsert(f.user(org.id, { email: 'boss@acme.example', roles: ['full_admin'] }));
  const token = crypto.randomBytes(32).toString('base64url');
  const now = t.clock.now();
  await t.store.magicLinks.create({ tokenHash: sha256(token), email: admin.email, partnerId: 'p-a', orgId: org.id, userId: admin.id,
    createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 600_000).toISOString(), consumedAt: null });
  const client = request.agent(t.app);
  const confirm = await client.get(`/Customer/Login/${token}`).expect(200);
  await client.post(`/CUSTOMER/LOGIN/${token}`).type('form').send({ _csrf: csrfFrom(confirm.text) }).expect(303);
  expect(lines.join('')).not.toContain(token);
});

test('when a suppressed customer admin asks for a sign-in link, then the warning names the user by id, never by address', async () => {
  const org = f.org('p-a');
  await t.store.orgs.upsert(org);
  const admin = await t.store.users.upsert(f.user(org.id, { email: 'bounced.boss@acme.example', roles: ['full_admin'] }));
  await t.store.suppressions.upsert({ email: admin.email, reason: 'hard_bounce', since: '2026-01-01T00:00:00.000Z', detail: '550 5.1.1' });
  const client = request.agent(t.app);
  const page = await client.get('/customer/login').expect(200);
  await client.post('/customer/login').type('form').send({ email: admin.email, _csrf: csrfFrom(page.text) }).expect(200);
  await new Promise((r) => setTimeout(r, 50));
  const warning = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'sign-in link mail not sent');
  expect(warning).toBeDefined();
  expect(JSON.stringify(warning)).toContain(admin.id);
  expect(lines.join('')).not.toContain('bounced.boss');
});
