import request from 'supertest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_PATH, signMailEvent } from '../../src/features/suppression/mail-webhook.routes';
import { COMPLAINT_VERIFIED_WITHIN_MS } from '../../src/features/suppression/suppression.service';
import { importNdjson } from '../../src/import/importer';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';
import { suppressionAware } from '../../src/mail/suppression-aware-mailer';
import type { UserInput } from '../../src/store/store';
import * as f from '../helpers/factories';
import { TestSmtpServer, type ReceivedMail } from '../helpers/smtp-server';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';

const SECRET = 'whsec-northwind-mail-provider-0123456789';
const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const AGENT = 'agent@north.example';
const EMAIL = 'helene.dupre@dupre.example';
const DIAGNOSTIC = '550 5.1.1 mailbox unavailable';

async function* lines(items: object[]): AsyncIterable<string> {
  for (const item of items) yield JSON.stringify(item);
}

const codeIn = (mail: ReceivedMail) => /^\s*(\d{4}) (\d{4})\s*$/m.exec(mail.text)!.slice(1).join('');

describe('email status and the suppression list', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let token: string;
  let user: UserInput;
  let orgId: string;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
    t = await buildTestApp({
      env: { MAIL_WEBHOOK_SECRET: SECRET },
      mailer: () => new SmtpMailer({ url: smtp.url, from: 'Northwind Help Desk <helpdesk@north.example>' }),
    });
    t.clock.set('2026-01-15T10:00:00Z');
    await t.store.partners.upsert(PARTNER);
    const org = f.org(PARTNER.id, { name: 'Boulangerie Dupré' });
    orgId = org.id;
    await t.store.orgs.upsert(org);
    user = f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: EMAIL });
    await t.store.users.upsert(user);
    await t.addAgent(PARTNER.id, AGENT);
    token = await t.apiToken(AGENT);
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  const api = (method: 'get' | 'post', path: string, bearer = token) =>
    request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`);
  const clearViaApi = (reason: string, userId = user.id, bearer = token) =>
    api('post', `/users/${userId}/suppression/clear`, bearer).send({ reason });

  /** The provider reports an event through its signed webhook. */
  async function providerReports(type: string, at = '2026-01-15T09:58:00Z', detail = DIAGNOSTIC) {
    const raw = JSON.stringify({ email: EMAIL, type, messageKind: 'welcome', at, detail });
    const ts = String(Math.floor(t.clock.now().getTime() / 1000));
    await request(t.app).post(WEBHOOK_PATH).set('Content-Type', 'application/json')
      .set(TIMESTAMP_HEADER, ts).set(SIGNATURE_HEADER, signMailEvent(SECRET, ts, raw)).send(raw).expect(200);
  }

  /** Send code, the caller reads it back, the agent types it in: the caller is verified. */
  async function verifyCaller() {
    const sent = await api('post', `/users/${user.id}/verifications`).expect(202);
    const code = codeIn(await smtp.waitForMessage(EMAIL));
    expect((await api('post', `/verifications/${sent.body.id}/check`).send({ code })).body.status).toBe('verified');
  }

  const audits = async (action: string) =>
    (await t.store.audit.query({ partnerId: PARTNER.id, action, limit: 50, offset: 0 })).events;

  describe('a bounce, cleared with a reason, then the welcome email again', () => {
    test('when the webhook reports a bounce, then the user page shows the bounce and the suppression, and the API says the same', async () => {
      await providerReports('bounce');

      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`).expect(200);
      expect(page.text).toContain('bounced');
      expect(page.text).toContain(DIAGNOSTIC);
      expect(page.text).toContain('This address is on the suppression list: no email is sent to it.');
      expect(page.text).toContain('Hard bounce');
      expect(page.text).toContain('2026-01-15 09:58 UTC');
      expect(page.text).toContain('Clear from suppression list');
      expect(page.text).toMatch(/<button type="submit"\s+disabled\s*>Resend welcome email<\/button>/);
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text).not.toMatch(/\sstyle=/);

      const res = await api('get', `/users/${user.id}`).expect(200);
      expect(res.body.lastEmail).toEqual({ kind: 'welcome', status: 'bounced', at: '2026-01-15T09:58:00.000Z', detail: DIAGNOSTIC });
      expect(res.body.suppression).toEqual({ email: EMAIL, reason: 'hard_bounce', since: '2026-01-15T09:58:00.000Z', detail: DIAGNOSTIC });
    });

    test('when the agent clears it on the page with a reason and resends, then it is audited and the welcome email reaches the SMTP server', async () => {
      await providerReports('bounce');
      const agent = await signIn(t.app, AGENT);
      let page = await agent.get(`/users/${user.id}`);

      const cleared = await agent.post(`/users/${user.id}/suppression/clear`).type('form')
        .send({ _csrf: csrfFrom(page.text), reason: 'Caller fixed the mailbox, ticket 4411' }).expect(303);
      expect(cleared.headers.location).toBe(`/users/${user.id}#email`);
      page = await agent.get(`/users/${user.id}`);
      expect(page.text).toContain('Cleared from the suppression list. You can resend the welcome email now.');
      expect(page.text).toContain('Not on the suppression list.');
      expect(await t.store.suppressions.get(EMAIL)).toBeNull();
      const [clear] = await audits('suppression.clear');
      expect(clear).toMatchObject({
        outcome: 'success', orgId, subject: `user:${user.id}`, actorId: expect.any(String),
        detail: { reason: 'Caller fixed the mailbox, ticket 4411', suppressedFor: 'hard_bounce', since: '2026-01-15T09:58:00.000Z' },
      });

      await agent.post(`/users/${user.id}/welcome-email`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      const mail = await smtp.waitForMessage(EMAIL);
      expect(mail.subject).toBe('Welcome to Boulangerie Dupré');
      expect(mail.text).toContain('Hello Hélène,');
      expect(mail.text).toContain(EMAIL);
      expect(mail.headers['x-helpdesk-kind']).toBe('welcome');
      expect((await agent.get(`/users/${user.id}`)).text).toContain('Welcome email sent to h***e@dupre.example.');
      expect(await audits('email.welcome.resend')).toEqual([expect.objectContaining({ outcome: 'success', detail: { sentTo: 'h***e@dupre.example' } })]);
    });

    test('when the app sends mail itself, then it becomes the user\'s last email at once (sent), and the provider\'s later event moves it on', async () => {
      await providerReports('bounce', '2023-04-02T08:01:00Z');
      await clearViaApi('Mailbox recreated by the customer').expect(200);
      await api('post', `/users/${user.id}/welcome-email`).expect(202);
      await smtp.waitForMessage(EMAIL);
      const sentAt = t.clock.now().toISOString();
      expect((await api('get', `/users/${user.id}`)).body.lastEmail).toEqual({ kind: 'welcome', status: 'sent', at: sentAt, detail: '' });
      const agent = await signIn(t.app, AGENT);
      const page = (await agent.get(`/users/${user.id}`)).text;
      expect(page).toMatch(/<span class="status status-sent">sent<\/span>\s*welcome/);
      expect(page).not.toContain('status-bounced');

      await api('post', `/users/${user.id}/verifications`).expect(202);
      await smtp.waitForMessage(EMAIL);
      expect((await api('get', `/users/${user.id}`)).body.lastEmail).toMatchObject({ kind: 'verification', status: 'sent' });

      t.clock.advance(60_000);
      await providerReports('delivery', t.clock.now().toISOString(), '250 2.0.0 OK');
      expect((await api('get', `/users/${user.id}`)).body.lastEmail).toMatchObject({ kind: 'welcome', status: 'delivered' });
    });

    test('when the import reports a bounce, then the API clears it with a reason and the welcome email is delivered', async () => {
      const summary = await importNdjson(t.store, lines([
        { kind: 'email_event', email: EMAIL, type: 'bounce', messageKind: 'welcome', at: '2026-01-14T08:01:00Z', detail: DIAGNOSTIC },
      ]));
      expect(summary.imported.email_event).toBe(1);
      expect((await api('get', `/users/${user.id}`)).body).toMatchObject({
        lastEmail: { status: 'bounced', detail: DIAGNOSTIC }, suppression: { reason: 'hard_bounce' },
      });

      const res = await clearViaApi('Mailbox recreated by the customer').expect(200);

      expect(res.body).toEqual({
        email: EMAIL,
        lastEmail: { kind: 'welcome', status: 'bounced', at: '2026-01-14T08:01:00.000Z', detail: DIAGNOSTIC },
        suppression: null,
      });
      expect((await audits('suppression.clear'))[0].detail.reason).toBe('Mailbox recreated by the customer');
      expect((await api('post', `/users/${user.id}/welcome-email`).expect(202)).body).toEqual({ sentTo: 'h***e@dupre.example' });
      expect((await smtp.waitForMessage(EMAIL)).subject).toBe('Welcome to Boulangerie Dupré');
    });

    test('when the welcome email was resent 3 times within an hour, then a fourth is refused with 429 and Retry-After', async () => {
      for (let i = 0; i < 3; i++) await api('post', `/users/${user.id}/welcome-email`).expect(202);
      const refused = await api('post', `/users/${user.id}/welcome-email`).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.body.error.message).toContain('3 times in the last hour');
      t.clock.advance(61 * 60_000);
      await api('post', `/users/${user.id}/welcome-email`).expect(202);
    });

    test('when an imported suppression entry names the address, then it is suppressed as given', async () => {
      await importNdjson(t.store, lines([
        { kind: 'suppression', email: EMAIL.toUpperCase(), reason: 'unsubscribe', since: '2025-12-01T12:00:00+01:00', detail: 'list-unsubscribe' },
      ]));
      expect((await api('get', `/users/${user.id}`)).body.suppression).toEqual({
        email: EMAIL, reason: 'unsubscribe', since: '2025-12-01T11:00:00.000Z', detail: 'list-unsubscribe',
      });
    });

    test('when the agent asks in French, then the welcome email and the panel are in French', async () => {
      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`).set('Accept-Language', 'fr').expect(200);
      expect(page.text).toContain('Liste de suppression');
      expect(page.text).toContain('Renvoyer');
      await api('post', `/users/${user.id}/welcome-email`).set('Accept-Language', 'fr').expect(202);
      const mail = await smtp.waitForMessage(EMAIL);
      expect(mail.subject).toBe('Bienvenue chez Boulangerie Dupré');
      expect(mail.html).toContain('lang="fr"');
    });
  });

  describe('the reason is required', () => {
    test('when the page form has no reason, then it comes back with a field error, the value kept, and nothing is cleared', async () => {
      await providerReports('bounce');
      const agent = await signIn(t.app, AGENT);
      let page = await agent.get(`/users/${user.id}`);

      await agent.post(`/users/${user.id}/suppression/clear`).type('form').send({ _csrf: csrfFrom(page.text), reason: '   ' }).expect(303);
      page = await agent.get(`/users/${user.id}`);
      expect(page.text).toContain('Give a reason for clearing the address.');
      expect(page.text).toContain('aria-invalid="true"');
      expect(page.text).toMatch(/id="clear-reason"[^>]*value="   "/);

      // "ok" says nothing a reader of the audit log could use later.
      await agent.post(`/users/${user.id}/suppression/clear`).type('form').send({ _csrf: csrfFrom(page.text), reason: 'ok' }).expect(303);
      page = await agent.get(`/users/${user.id}`);
      expect(page.text).toContain('Say why in at least 10 characters');
      expect(page.text).toMatch(/id="clear-reason"[^>]*value="ok"/);
      const short = await api('post', `/users/${user.id}/suppression/clear`).send({ reason: 'ok' }).expect(400);
      expect(short.body.error.message).toMatch(/^reason: at least 10 characters/);

      const long = 'x'.repeat(501);
      await agent.post(`/users/${user.id}/suppression/clear`).type('form').send({ _csrf: csrfFrom(page.text), reason: long }).expect(303);
      page = await agent.get(`/users/${user.id}`);
      expect(page.text).toContain('The reason can be at most 500 characters.');
      expect(page.text).toContain(`value="${long}"`);

      expect(await t.store.suppressions.get(EMAIL)).toMatchObject({ reason: 'hard_bounce' });
      expect(await audits('suppression.clear')).toEqual([]);
    });

    test('when the API call has no reason, then it answers 400 naming the field and nothing is cleared', async () => {
      await providerReports('bounce');
      const res = await api('post', `/users/${user.id}/suppression/clear`).send({}).expect(400);
      expect(res.body.error.fields).toEqual([{ field: 'reason', message: expect.any(String) }]);
      expect(await t.store.suppressions.get(EMAIL)).not.toBeNull();
    });

    test('when the page form is posted without a CSRF token, then it is refused', async () => {
      await providerReports('bounce');
      const agent = await signIn(t.app, AGENT);
      await agent.post(`/users/${user.id}/suppression/clear`).type('form').send({ reason: 'because' }).expect(403);
      await agent.post(`/users/${user.id}/welcome-email`).type('form').send({}).expect(403);
      expect(await t.store.suppressions.get(EMAIL)).not.toBeNull();
    });

    test('when the address is not suppressed, then clearing answers 409 and nothing is audited as cleared', async () => {
      const res = await clearViaApi('just in case').expect(409);
      expect(res.body.error.message).toBe('The address is not on the suppression list.');
      expect(await audits('suppression.clear')).toEqual([]);
    });
  });

  describe('no mail leaves for a suppressed address', () => {
    test('when the address is suppressed, then Send code is refused naming the reason and date, and nothing is sent', async () => {
      await providerReports('bounce');

      const res = await api('post', `/users/${user.id}/verifications`).expect(409);

      expect(res.body.error.code).toBe('conflict');
      expect(res.body.error.message).toBe(`No email is sent to ${EMAIL}: it is on the suppression list after a hard bounce on 2026-01-15. `
        + 'Clear it from the suppression list first.');
      expect(await t.store.verifications.latestForUser(PARTNER.id, user.id)).toBeNull();
      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`);
      await agent.post(`/users/${user.id}/verifications`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      expect((await agent.get(`/users/${user.id}`)).text)
        .toContain('No code sent: this address bounced hard on 2026-01-15 (the mailbox did not exist), so a code could not arrive.');
      expect(smtp.messages).toHaveLength(0);
    });

    test('when the address is suppressed, then Resend welcome email is refused on the API and the page, and nothing is sent', async () => {
      await providerReports('complaint');

      const res = await api('post', `/users/${user.id}/welcome-email`).expect(409);
      expect(res.body.error.message).toMatch(/after a spam complaint on 2026-01-15/);
      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`);
      await agent.post(`/users/${user.id}/welcome-email`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      expect((await agent.get(`/users/${user.id}`)).text)
        .toContain('Not sent: this address is on the suppression list after a spam complaint on 2026-01-15. Clear it first.');
      expect(smtp.messages).toHaveLength(0);
      expect(await audits('email.welcome.resend')).toEqual([]);
    });

    test('when any feature sends to a suppressed address through the mailer, then it is refused and the SMTP server receives nothing', async () => {
      await providerReports('bounce');
      const gate = suppressionAware(t.mailer, t.store, t.clock);

      await expect(gate.send({ partnerId: PARTNER.id, to: EMAIL.toUpperCase(), kind: 'activation', subject: 's', text: 't', html: '<p>t</p>' }))
        .rejects.toMatchObject({ status: 409, code: 'conflict' });
      expect(suppressionAware(gate, t.store, t.clock)).toBe(gate);
      await gate.send({ partnerId: PARTNER.id, to: 'someone.else@dupre.example', kind: 'activation', subject: 's', text: 't', html: '<p>t</p>' });
      await smtp.waitForMessage('someone.else@dupre.example');
      expect(smtp.messages.flatMap((m) => m.to)).toEqual(['someone.else@dupre.example']);
    });
  });

  describe('a complaint is cleared only for a caller verified in this call', () => {
    test('when the caller was not verified, then clearing a complaint is refused with 403, the page says why, and it is audited as denied', async () => {
      await providerReports('complaint', '2026-01-15T09:58:00Z', 'abuse report');

      const res = await clearViaApi('Caller says it was a mistake').expect(403);

      expect(res.body.error.code).toBe('forbidden');
      expect(res.body.error.message).toMatch(/verified by code in this call \(the last 30 minutes\)/);
      expect(await t.store.suppressions.get(EMAIL)).toMatchObject({ reason: 'complaint' });
      expect(await audits('suppression.clear')).toEqual([expect.objectContaining({ outcome: 'denied' })]);

      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`);
      expect(page.text).toContain('Spam complaint');
      expect(page.text).toContain('it can be cleared only once the caller has been verified by code in this call');
      expect(page.text).toMatch(/<button type="submit" class="primary" disabled>Clear from suppression list<\/button>/);
      await agent.post(`/users/${user.id}/suppression/clear`).type('form')
        .send({ _csrf: csrfFrom(page.text), reason: 'Caller says it was a mistake' }).expect(303);
      const after = await agent.get(`/users/${user.id}`);
      expect(after.text).toContain('Not cleared: the address was suppressed after a spam complaint');
      expect(after.text).toContain('value="Caller says it was a mistake"');
      expect(await t.store.suppressions.get(EMAIL)).not.toBeNull();
    });

    test(`when the caller was verified by code within ${COMPLAINT_VERIFIED_WITHIN_MS / 60_000} minutes, then the complaint is cleared`, async () => {
      await verifyCaller();
      t.clock.advance(60_000);
      await providerReports('complaint', t.clock.now().toISOString(), 'abuse report');
      t.clock.advance(COMPLAINT_VERIFIED_WITHIN_MS - 2 * 60_000);

      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`);
      expect(page.text).toMatch(/<button type="submit" class="primary" >Clear from suppression list<\/button>/);
      const res = await clearViaApi('Caller verified, asked for the mail back').expect(200);

      expect(res.body.suppression).toBeNull();
      expect((await audits('suppression.clear'))[0]).toMatchObject({ outcome: 'success', detail: { suppressedFor: 'complaint' } });
    });

    test('when the address is suppressed for a complaint, then the code still reaches the caller on the call, and once verified the complaint is cleared', async () => {
      await providerReports('complaint', t.clock.now().toISOString(), 'abuse report');

      await verifyCaller();
      const res = await clearViaApi('Caller verified, asked for the mail back').expect(200);

      expect(res.body.suppression).toBeNull();
      await api('post', `/users/${user.id}/welcome-email`).expect(202);
    });

    test('when the verification is 31 minutes old, then clearing a complaint is refused again', async () => {
      await verifyCaller();
      await providerReports('complaint', t.clock.now().toISOString(), 'abuse report');
      t.clock.advance(31 * 60_000);

      await clearViaApi('Caller verified earlier').expect(403);

      expect(await t.store.suppressions.get(EMAIL)).toMatchObject({ reason: 'complaint' });
    });

    test('when a complaint follows a bounce, then it takes over and the stricter rule applies', async () => {
      await providerReports('bounce', '2026-01-15T09:50:00Z');
      await providerReports('complaint', '2026-01-15T09:55:00Z', 'abuse report');
      expect(await t.store.suppressions.get(EMAIL)).toMatchObject({ reason: 'complaint', since: '2026-01-15T09:55:00.000Z' });
      await providerReports('bounce', '2026-01-15T09:59:00Z');
      expect(await t.store.suppressions.get(EMAIL)).toMatchObject({ reason: 'complaint' });
      await clearViaApi('Caller says the complaint was a mistake').expect(403);
    });
  });

  describe('tenant isolation', () => {
    test('when another partner\'s agent reads, clears or resends for this user, then each answers 404 and nothing changes', async () => {
      await providerReports('bounce');
      await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
      await t.addAgent('p-south', 'agent@south.example');
      const foreign = await t.apiToken('agent@south.example');

      expect((await api('get', `/users/${user.id}`, foreign).expect(404)).body.error.message).toBe('User not found.');
      await clearViaApi('not mine, ticket 4711', user.id, foreign).expect(404);
      await api('post', `/users/${user.id}/welcome-email`, foreign).expect(404);
      const agent = await signIn(t.app, 'agent@south.example');
      const home = await agent.get('/');
      await agent.post(`/users/${user.id}/suppression/clear`).type('form').send({ _csrf: csrfFrom(home.text), reason: 'x' }).expect(404);

      expect(await t.store.suppressions.get(EMAIL)).not.toBeNull();
      expect(await audits('suppression.clear')).toEqual([]);
    });
  });
});
