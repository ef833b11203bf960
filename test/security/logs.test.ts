// The log check: the main flows run with every log line captured at the most
// verbose level, then the log is searched for every secret the flows used: passwords, the code,
// API tokens, the set-password and sign-in link tokens, session ids and CSRF tokens. None may appear.
import request from 'supertest';
import { buildTestApp, csrfFrom, PASSWORD, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

const lines: string[] = [];
let t: TestApp;
const secrets = new Set<string>();
const remember = (...values: Array<string | undefined>) => values.forEach((v) => v && v.length >= 6 && secrets.add(v));

const sessionIds = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? [])
  .map((c) => /helpdesk\.sid=([^;]+)/.exec(c)?.[1]).filter((v): v is string => !!v)
  // The cookie is "s:<id>.<signature>", URL-encoded: the id alone must not leak either.
  .flatMap((v) => [v, decodeURIComponent(v), decodeURIComponent(v).slice(2).split('.')[0]]);

async function outboxText(to: string, kind: string) {
  const mails = await t.store.mailOutbox.listByPartner('p-a', { limit: 50, offset: 0 });
  return mails.find((m) => m.to === to && m.kind === kind)!.text;
}

beforeAll(async () => {
  t = await buildTestApp({ logLevel: 'trace', logStream: { write: (s: string) => { lines.push(s); } } });
  await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
  const org = f.org('p-a', { name: 'Acme' });
  await t.store.orgs.upsert(org);
  const caller = await t.store.users.upsert(f.user(org.id, { email: 'caller@acme.example' }));
  await t.store.users.upsert(f.user(org.id, { email: 'boss@acme.example', firstName: 'Bo', roles: ['full_admin'] }));
  await t.sync();
  await t.addAgent('p-a', 'admin@alpha.example', 'partner_admin');
  remember(PASSWORD);

  // An agent fails, then signs in; searches; opens the user page; sends and checks a code.
  const wrong = 'Wrong-Password-Secret-1';
  remember(wrong);
  const anon = request.agent(t.app);
  const login = await anon.get('/login');
  remember(csrfFrom(login.text), ...sessionIds(login));
  await anon.post('/login').type('form').send({ email: 'admin@alpha.example', password: wrong, _csrf: csrfFrom(login.text) }).expect(401);
  const admin = await signIn(t.app, 'admin@alpha.example');
  const home = await admin.get('/?q=acme').expect(200);
  remember(csrfFrom(home.text), ...sessionIds(home));
  const csrf = csrfFrom(home.text);
  await admin.get(`/users/${caller.id}`).expect(200);
  await admin.post(`/users/${caller.id}/verifications`).type('form').send({ _csrf: csrf }).expect(303);
  const code = /\b(\d{4}) (\d{4})\b/.exec(await outboxText('caller@acme.example', 'verification'))!;
  remember(code[0], code[1] + code[2]);
  const verification = (await t.store.verifications.latestForUser('p-a', caller.id))!;
  await admin.post(`/verifications/${verification.id}/check`).type('form').send({ code: '0000 0000', userId: caller.id, _csrf: csrf });
  await admin.post(`/verifications/${verification.id}/check`).type('form').send({ code: code[0], userId: caller.id, _csrf: csrf }).expect(303);

  // The admin issues a token and uses it; invites an agent who sets a password through the link.
  const issued = await admin.post('/admin/tokens').type('form')
    .send({ name: 'ci', ownerId: (await t.store.agents.getByEmail('admin@alpha.example'))!.id, _csrf: csrf }).expect(303);
  const shown = await admin.get(issued.headers.location).expect(200);
  const token = /data-new-token>(phd_[^<]+)</.exec(shown.text)![1];
  remember(token);
  await request(t.app).get('/api/v1/search?q=acme').set('Authorization', `Bearer ${token}`).expect(200);
  await request(t.app).get('/api/v1/search?q=acme').set('Authorization', `Bearer ${token}x`).expect(401);
  await admin.post('/admin/agents').type('form').send({ email: 'new@alpha.example', name: 'New', role: 'helpdesk', _csrf: csrf }).expect(303);
  const setup = /\/set-password\/([A-Za-z0-9_-]+)/.exec(await outboxText('new@alpha.example', 'agent_invite'))![1];
  remember(setup);
  const invitee = request.agent(t.app);
  const form = await invitee.get(`/set-password/${setup}`).expect(200);
  const newPassword = 'Invitee-Chosen-Passphrase-9';
  remember(newPassword, csrfFrom(form.text));
  await invitee.post(`/set-password/${setup}`).type('form').send({ password: newPassword, confirm: newPassword, _csrf: csrfFrom(form.text) }).expect(200);
  await signIn(t.app, 'new@alpha.example', newPassword);

  // A customer admin asks for a sign-in link and uses it.
  const customer = request.agent(t.app);
  const ask = await customer.get('/customer/login');
  await customer.post('/customer/login').type('form').send({ email: 'boss@acme.example', _csrf: csrfFrom(ask.text) }).expect(200);
  await new Promise((r) => setTimeout(r, 50));
  const magic = /\/customer\/login\/([A-Za-z0-9_-]{43})/.exec(await outboxText('boss@acme.example', 'customer_sign_in'))![1];
  remember(magic);
  const confirm = await customer.get(`/customer/login/${magic}`).expect(200);
  const signedIn = await customer.post(`/customer/login/${magic}`).type('form').send({ _csrf: csrfFrom(confirm.text) }).expect(303);
  remember(...sessionIds(signedIn));
});
afterAll(() => t.close());

test('when the main flows ran, then the log has lines for their requests', () => {
  expect(lines.length).toBeGreaterThan(20);
  expect(lines.join('')).toContain('"path":"/set-password/[redacted]"');
});

test('when the log is searched, then no password, code, token, link, session id or CSRF token appears', () => {
  const log = lines.join('');
  expect(secrets.size).toBeGreaterThan(12);
  const found = [...secrets].filter((s) => log.includes(s));
  expect(found).toEqual([]);
});
