// The development mailbox: with plain `npm start` (no SMTP_URL, not production) a newcomer reads the
// codes and links the app mailed, whole; in production or with real delivery it does not exist.
import request from 'supertest';
import { devMailboxEnabled, isLoopback, linkParts } from '../../src/features/dev-mailbox/dev-mailbox.routes';
import * as f from '../helpers/factories';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

describe('development mailbox', () => {
  let t: TestApp;
  let userId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    const org = f.org('p-north');
    await t.store.orgs.upsert(org);
    userId = (await t.store.users.upsert(f.user(org.id, { email: 'caller@acme.example' }))).id;
    await t.addAgent('p-north', 'agent@north.example');
    await t.addAgent('p-north', 'admin@north.example', 'partner_admin');
  });
  afterAll(() => t.close());

  test('when a code is sent without SMTP outside production, then the development mailbox shows the whole mail, code included, while the admin outbox masks it', async () => {
    const token = await t.apiToken('agent@north.example');
    await request(t.app).post(`/api/v1/users/${userId}/verifications`).set('Authorization', `Bearer ${token}`).expect(202);
    const [mail] = await t.store.mailOutbox.listAll({ limit: 1, offset: 0 });
    const code = /\b\d{4} \d{4}\b/.exec(mail.text)?.[0];
    expect(code).toBeDefined();

    const box = await request(t.app).get('/dev/mailbox').expect(200);
    expect(box.text).toContain('Development only');
    expect(box.text).toContain('caller@acme.example');
    expect(box.text).toContain(code);

    const admin = await signIn(t.app, 'admin@north.example');
    const outbox = await admin.get('/admin/outbox').expect(200);
    expect(outbox.text).toContain('caller@acme.example');
    expect(outbox.text).not.toContain(code);
  });

  test('when a page renders outside production without SMTP, then it links to the development mailbox', async () => {
    const page = await request(t.app).get('/login').expect(200);
    expect(page.text).toContain('href="/dev/mailbox"');
  });

  test('when the app runs in production or delivers by SMTP, then there is no development mailbox', async () => {
    expect(devMailboxEnabled({ production: true, smtpUrl: undefined })).toBe(false);
    expect(devMailboxEnabled({ production: false, smtpUrl: 'smtp://127.0.0.1:2525' })).toBe(false);
    expect(devMailboxEnabled({ production: false, smtpUrl: undefined })).toBe(true);
    const smtp = await buildTestApp({ env: { SMTP_URL: 'smtp://127.0.0.1:1' } });
    try {
      await request(smtp.app).get('/dev/mailbox').expect(404);
      expect((await request(smtp.app).get('/login').expect(200)).text).not.toContain('/dev/mailbox');
    } finally {
      await smtp.close();
    }
  });

  test('when a client is not on this machine, then the mailbox is not there for it', () => {
    for (const local of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3']) expect(isLoopback(local)).toBe(true);
    for (const remote of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', '2001:db8::1', undefined]) expect(isLoopback(remote)).toBe(false);
  });

  test('when a mail holds links, then only links to this app become clickable and the rest stays text', () => {
    const parts = linkParts('Sign in: http://localhost:3000/customer/login/abc\nNot ours: https://evil.example/x', 'http://localhost:3000');
    expect(parts).toEqual([
      { text: 'Sign in: ' },
      { text: 'http://localhost:3000/customer/login/abc', href: 'http://localhost:3000/customer/login/abc' },
      { text: '\nNot ours: https://evil.example/x' },
    ]);
  });
});
