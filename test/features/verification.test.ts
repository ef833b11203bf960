import { Writable } from 'node:stream';
import request from 'supertest';
import { codeMatches, hashCode } from '../../src/features/verification/codes';
import {
  CODE_TTL_MS, MAX_ATTEMPTS, SENDS_PER_AGENT, SENDS_PER_USER,
} from '../../src/features/verification/verification.service';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';
import type { UserInput } from '../../src/store/store';
import * as f from '../helpers/factories';
import { TestSmtpServer, type ReceivedMail } from '../helpers/smtp-server';
import { buildTestApp, csrfFrom, signIn, type TestApp, type TestAppOptions } from '../helpers/test-app';

const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const AGENT = 'agent@north.example';

/** The code as the caller reads it from the mail ("4821 3379"), and as digits. */
function codeIn(mail: ReceivedMail): string {
  const m = /^\s*(\d{4}) (\d{4})\s*$/m.exec(mail.text);
  if (!m) throw new Error('no code in the mail');
  return m[1] + m[2];
}

const wrong = (code: string) => String((Number(code) + 1) % 1e8).padStart(8, '0');

describe('caller verification by emailed code', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let token: string;
  let user: UserInput;
  let orgId: string;

  async function setUp(options: TestAppOptions = {}) {
    t = await buildTestApp({
      mailer: () => new SmtpMailer({ url: smtp.url, from: 'Northwind Help Desk <helpdesk@north.example>' }),
      ...options,
    });
    await t.store.partners.upsert(PARTNER);
    const org = f.org(PARTNER.id, { name: 'Boulangerie Dupré' });
    orgId = org.id;
    await t.store.orgs.upsert(org);
    user = f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: 'helene.dupre@dupre.example' });
    await t.store.users.upsert(user);
    await t.addAgent(PARTNER.id, AGENT);
    token = await t.apiToken(AGENT);
  }

  const send = (userId = user.id, bearer = token) =>
    request(t.app).post(`/api/v1/users/${userId}/verifications`).set('Authorization', `Bearer ${bearer}`);
  const check = (id: string, code: string, bearer = token) =>
    request(t.app).post(`/api/v1/verifications/${id}/check`).set('Authorization', `Bearer ${bearer}`).send({ code });

  /** Sends a code and reads it from the mailbox, as the caller does. */
  async function sendAndRead(to: UserInput = user) {
    const res = await send(to.id).expect(202);
    const mail = await smtp.waitForMessage(to.email);
    return { id: res.body.id as string, code: codeIn(mail), mail, body: res.body };
  }

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  describe('through the API and a real SMTP server', () => {
    beforeEach(() => setUp());

    test('when the caller reads back the right code, then the answer is verified and the code was never in an answer', async () => {
      const { id, code, mail, body } = await sendAndRead();
      expect(body).toEqual({ id, sentTo: 'h***e@dupre.example', expiresAt: expect.any(String) });
      expect(Date.parse(body.expiresAt) - t.clock.now().getTime()).toBe(CODE_TTL_MS);
      expect(mail.subject).toBe('Your verification code for the Northwind Partners help desk');
      expect(mail.text).toContain(`${code.slice(0, 4)} ${code.slice(4)}`);
      expect(mail.text).toContain('will never ask you for anything else');
      expect(JSON.stringify(body)).not.toContain(code);

      const res = await check(id, `${code.slice(0, 4)} ${code.slice(4)}`).expect(200);
      expect(res.body).toEqual({ status: 'verified', attemptsLeft: 0 });
    });

    test('when the code is stored, then only its keyed hash is kept and it matches in constant time', async () => {
      const { id, code } = await sendAndRead();
      const stored = (await t.store.verifications.get(PARTNER.id, id))!;
      expect(JSON.stringify(stored)).not.toContain(code);
      expect(stored.codeHash).toBe(hashCode(t.config.codeSecret, id, code));
      expect(codeMatches(t.config.codeSecret, id, code, stored.codeHash)).toBe(true);
      expect(codeMatches('another secret of at least 32 chars', id, code, stored.codeHash)).toBe(false);
    });

    test('when a wrong code is read back, then the answer is invalid with the tries left', async () => {
      const { id, code } = await sendAndRead();
      const res = await check(id, wrong(code)).expect(200);
      expect(res.body).toEqual({ status: 'invalid', attemptsLeft: MAX_ATTEMPTS - 1 });
      expect((await check(id, code).expect(200)).body.status).toBe('verified');
    });

    test(`when ${MAX_ATTEMPTS} wrong codes are read back, then the code locks and even the right one is refused`, async () => {
      const { id, code } = await sendAndRead();
      for (let left = MAX_ATTEMPTS - 1; left > 0; left--) {
        expect((await check(id, wrong(code))).body).toEqual({ status: 'invalid', attemptsLeft: left });
      }
      expect((await check(id, wrong(code))).body).toEqual({ status: 'locked', attemptsLeft: 0 });
      expect((await check(id, code)).body).toEqual({ status: 'locked', attemptsLeft: 0 });
      const lock = await t.store.audit.query({ partnerId: PARTNER.id, action: 'verification.lock', limit: 10, offset: 0 });
      expect(lock.total).toBe(1);
    });

    test('when the code is read back after 10 minutes, then it has expired', async () => {
      const { id, code } = await sendAndRead();
      t.clock.advance(CODE_TTL_MS);
      expect((await check(id, code)).body).toEqual({ status: 'expired', attemptsLeft: 0 });
    });

    test('when 9 minutes 59 seconds have passed, then the code still verifies', async () => {
      const { id, code } = await sendAndRead();
      t.clock.advance(CODE_TTL_MS - 1000);
      expect((await check(id, code)).body.status).toBe('verified');
    });

    test('when a new code is sent, then the old one no longer verifies and the new one does', async () => {
      const first = await sendAndRead();
      const second = await sendAndRead();
      expect(second.code).not.toBe(first.code);
      expect((await check(first.id, first.code)).body).toEqual({ status: 'expired', attemptsLeft: 0 });
      expect((await check(second.id, second.code)).body.status).toBe('verified');
    });

    test('when a verified code is read back again, then it is not verified twice', async () => {
      const { id, code } = await sendAndRead();
      expect((await check(id, code)).body.status).toBe('verified');
      expect((await check(id, code)).body.status).toBe('expired');
    });

    test('when two correct answers arrive at once, then exactly one is verified', async () => {
      const { id, code } = await sendAndRead();
      const answers = await Promise.all([check(id, code), check(id, code)]);
      expect(answers.map((a) => a.body.status).filter((s) => s === 'verified')).toHaveLength(1);
      const checks = await t.store.audit.query({ partnerId: PARTNER.id, action: 'verification.check', limit: 10, offset: 0 });
      expect(checks.events.filter((e) => e.outcome === 'success')).toHaveLength(1);
    });

    test('when the store is asked to count two correct answers at once, then its conditional write lets one through', async () => {
      const { id } = await sendAndRead();
      const now = t.clock.now();
      const results = await Promise.all(Array.from({ length: 5 }, () =>
        t.store.verifications.attempt(PARTNER.id, id, { correct: true, now, maxAttempts: MAX_ATTEMPTS })));
      expect(results.filter((r) => r?.outcome === 'verified')).toHaveLength(1);
      expect(results.filter((r) => r === null)).toHaveLength(4);
    });

    test(`when ${SENDS_PER_USER.limit} codes went to a user in 15 minutes, then the next send answers 429 with Retry-After`, async () => {
      for (let i = 0; i < SENDS_PER_USER.limit; i++) await sendAndRead();
      t.clock.advance(5 * 60 * 1000);
      const refused = await send().expect(429);
      expect(refused.body.error.code).toBe('too_many_requests');
      expect(refused.body.error.message).toMatch(/At most 3 codes per user in 15 minutes/);
      expect(Number(refused.headers['retry-after'])).toBe(10 * 60);
      t.clock.advance(10 * 60 * 1000);
      await send().expect(202);
    });

    test(`when an agent sent ${SENDS_PER_AGENT.limit} codes in an hour, then the next send answers 429 with Retry-After`, async () => {
      const users: UserInput[] = [];
      for (let i = 0; i < Math.ceil((SENDS_PER_AGENT.limit + 1) / SENDS_PER_USER.limit); i++) {
        const u = f.user(orgId, { firstName: `User${i}`, lastName: 'Caller' });
        await t.store.users.upsert(u);
        users.push(u);
      }
      for (let i = 0; i < SENDS_PER_AGENT.limit; i++) await send(users[Math.floor(i / SENDS_PER_USER.limit)].id).expect(202);
      const refused = await send(users[users.length - 1].id).expect(429);
      expect(refused.body.error.message).toMatch(/At most 30 codes per agent in an hour/);
      expect(Number(refused.headers['retry-after'])).toBe(60 * 60);
      // Another agent of the same partner is not held back by this one.
      await t.addAgent(PARTNER.id, 'other@north.example');
      await send(users[users.length - 1].id, await t.apiToken('other@north.example')).expect(202);
    });

    test('when 10 wrong codes were read back for a user today, then verification stops for that user', async () => {
      const first = await sendAndRead();
      for (let i = 0; i < MAX_ATTEMPTS; i++) await check(first.id, wrong(first.code));
      const second = await sendAndRead();
      for (let i = 0; i < MAX_ATTEMPTS; i++) await check(second.id, wrong(second.code));
      t.clock.advance(16 * 60 * 1000);
      const refused = await send().expect(429);
      expect(refused.body.error.message).toMatch(/verification is stopped/);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(23 * 3600);
      t.clock.advance(24 * 60 * 60 * 1000);
      const third = await sendAndRead();
      expect((await check(third.id, third.code)).body.status).toBe('verified');
    });

    test('when the SMTP server is stopped, then sending answers a clear 503, the code is void and the send is not counted', async () => {
      await sendAndRead();
      await smtp.stop();
      const failed = await send().expect(503);
      expect(failed.body.error).toEqual({
        code: 'unavailable', message: 'The mail server refused the connection (is it running?). The mail was not sent.',
      });
      expect((await t.store.verifications.latestForUser(PARTNER.id, user.id))!.outcome).toBe('voided');
      const audit = await t.store.audit.query({ partnerId: PARTNER.id, action: 'verification.send', limit: 10, offset: 0 });
      expect(audit.events.map((e) => [e.outcome, e.detail.reason]).sort()).toEqual([['failure', 'mail_not_sent'], ['success', undefined]]);

      smtp = await TestSmtpServer.start({ port: smtp.port });
      // One send before the outage, none during: two more fit in the 3 per 15 minutes.
      await sendAndRead();
      const last = await sendAndRead();
      await send().expect(429);
      expect((await check(last.id, last.code)).body.status).toBe('verified');
    });

    test('when the agent asks in French, then the mail is in French', async () => {
      await send().set('Accept-Language', 'fr-FR,fr;q=0.9').expect(202);
      const mail = await smtp.waitForMessage(user.email);
      expect(mail.subject).toBe('Votre code de vérification pour le support Northwind Partners');
      expect(mail.text).toContain('Bonjour Hélène,');
      expect(mail.text).toContain('Le support ne vous demandera jamais rien d’autre');
      expect(mail.html).toContain('lang="fr"');
    });

    test('when the code is malformed, then the answer is 400 and no try is used', async () => {
      const { id, code } = await sendAndRead();
      const res = await check(id, 'abc').expect(400);
      expect(res.body.error.code).toBe('invalid');
      expect((await check(id, code)).body).toEqual({ status: 'verified', attemptsLeft: 0 });
    });

    test('when another partner\'s agent sends or checks, then both answer 404 and nothing is sent', async () => {
      const { id, code } = await sendAndRead();
      await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
      await t.addAgent('p-south', 'agent@south.example');
      const foreign = await t.apiToken('agent@south.example');
      const sent = smtp.messages.length;
      const res = await send(user.id, foreign).expect(404);
      expect(res.body.error.message).toBe('User not found.');
      await check(id, code, foreign).expect(404);
      await check('no-such-verification', code).expect(404);
      expect(smtp.messages).toHaveLength(sent);
      expect((await check(id, code)).body.status).toBe('verified');
    });

    test('when codes are sent and checked, then the audit trail has send, check and lock events without any code', async () => {
      const codes: string[] = [];
      const a = await sendAndRead();
      codes.push(a.code);
      for (let i = 0; i < MAX_ATTEMPTS; i++) await check(a.id, wrong(a.code));
      const b = await sendAndRead();
      codes.push(b.code);
      await check(b.id, b.code);
      const { events } = await t.store.audit.query({ partnerId: PARTNER.id, limit: 100, offset: 0 });
      const actions = new Set(events.map((e) => e.action));
      expect(actions).toEqual(new Set(['verification.send', 'verification.check', 'verification.lock']));
      const text = JSON.stringify(events);
      for (const code of codes) expect(text).not.toContain(code);
      expect(events.find((e) => e.action === 'verification.send')).toMatchObject({
        orgId, subject: `user:${user.id}`, detail: { sentTo: 'h***e@dupre.example' },
      });
    });
  });

  describe('in outbox mode', () => {
    beforeEach(() => setUp({ mailer: undefined }));

    test('when no SMTP server is configured, then the mail is stored in the outbox and the flow completes', async () => {
      const res = await send().expect(202);
      const [mail] = await t.store.mailOutbox.listByPartner(PARTNER.id, { limit: 10, offset: 0 });
      expect(mail).toMatchObject({ to: user.email, kind: 'verification', subject: 'Your verification code for the Northwind Partners help desk' });
      const code = /(\d{4}) (\d{4})/.exec(mail.text)!.slice(1).join('');
      expect(JSON.stringify(res.body)).not.toContain(code);
      expect((await check(res.body.id, code)).body.status).toBe('verified');
      expect(smtp.messages).toHaveLength(0);
    });
  });

  describe('on the user page', () => {
    beforeEach(() => setUp());

    const verifyAction = (html: string) => /action="(\/verifications\/[^"]+\/check)"/.exec(html)?.[1];

    test('when the agent sends a code and types what the caller reads, then the page shows each outcome and never the code', async () => {
      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`).expect(200);
      expect(page.text).toContain('Caller verification');
      expect(page.text).toContain('No code sent during this call.');

      const sent = await agent.post(`/users/${user.id}/verifications`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      expect(sent.headers.location).toBe(`/users/${user.id}#verification`);
      const code = codeIn(await smtp.waitForMessage(user.email));

      const waiting = await agent.get(`/users/${user.id}`).expect(200);
      expect(waiting.text).toContain('Code sent to h***e@dupre.example. Ask the caller to read it to you.');
      expect(waiting.text).toMatch(/<time datetime="[^"]+" data-countdown data-seconds="600"[^>]*>10:00<\/time>/);
      expect(waiting.text).toContain('5 tries left');
      expect(waiting.text).toContain('<script src="/js/verification.js" defer></script>');
      expect(waiting.text).not.toContain(code);
      expect(waiting.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(waiting.text).not.toMatch(/\sstyle=/);

      const action = verifyAction(waiting.text)!;
      await agent.post(action).type('form').send({ _csrf: csrfFrom(waiting.text), userId: user.id, code: wrong(code) }).expect(303);
      const invalid = await agent.get(`/users/${user.id}`);
      expect(invalid.text).toContain('Wrong code. 4 tries left.');

      await agent.post(action).type('form').send({ _csrf: csrfFrom(invalid.text), userId: user.id, code }).expect(303);
      const verified = await agent.get(`/users/${user.id}`);
      expect(verified.text).toContain('Verified: the caller read back the right code.');
      expect(verified.text).toMatch(/The caller read back the right code at <time datetime="[^"]+" title="[^"]+ UTC">\d\d:\d\d UTC<\/time>/);

      // The outcome stays on the page for the rest of the call, without the one-time notice.
      t.clock.advance(20 * 60 * 1000);
      const later = await agent.get(`/users/${user.id}`);
      expect(later.text).not.toContain('Verified: the caller read back the right code.');
      expect(later.text).toMatch(/The caller read back the right code at/);
      t.clock.advance(11 * 60 * 1000);
      expect((await agent.get(`/users/${user.id}`)).text).toContain('No code sent during this call.');
    });

    test('when the page is in French, then the panel speaks French', async () => {
      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`).set('Accept-Language', 'fr').expect(200);
      expect(page.text).toContain('Vérification de l’appelant');
      expect(page.text).toContain('Envoyer le code');
    });

    test('when the mail server is down, then the page says the code was not sent and does not count', async () => {
      const agent = await signIn(t.app, AGENT);
      const page = await agent.get(`/users/${user.id}`);
      await smtp.stop();
      await agent.post(`/users/${user.id}/verifications`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      const after = await agent.get(`/users/${user.id}`);
      expect(after.text).toContain('The mail server is not answering, so the code was not sent and does not count.');
      expect(after.text).toContain('No code sent during this call.');
      smtp = await TestSmtpServer.start({ port: smtp.port });
    });

    test('when the per-user limit is reached, then the page says the last code still works, and once it expired, when to try again', async () => {
      const agent = await signIn(t.app, AGENT);
      let page = await agent.get(`/users/${user.id}`);
      for (let i = 0; i <= SENDS_PER_USER.limit; i++) {
        await agent.post(`/users/${user.id}/verifications`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
        page = await agent.get(`/users/${user.id}`);
      }
      // The third code is still waiting: the agent hears about it rather than only the limit.
      expect(page.text).toContain('The code sent last is still valid for 10 minutes: ask the caller to read it');
      t.clock.advance(11 * 60 * 1000);
      await agent.post(`/users/${user.id}/verifications`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      page = await agent.get(`/users/${user.id}`);
      expect(page.text).toContain('This user already got 3 codes in the last 15 minutes. Try again in 4 min.');
    });

    test('when the forms are posted without a CSRF token, then they are refused', async () => {
      const agent = await signIn(t.app, AGENT);
      await agent.post(`/users/${user.id}/verifications`).type('form').send({}).expect(403);
      expect(smtp.messages).toHaveLength(0);
    });

    test('when another partner\'s agent posts Send code for this user, then the answer is 404', async () => {
      await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
      await t.addAgent('p-south', 'agent@south.example');
      const agent = await signIn(t.app, 'agent@south.example');
      const home = await agent.get('/');
      await agent.post(`/users/${user.id}/verifications`).type('form').send({ _csrf: csrfFrom(home.text) }).expect(404);
      expect(smtp.messages).toHaveLength(0);
    });
  });

  describe('logs', () => {
    const lines: string[] = [];
    const memory = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    beforeEach(async () => {
      lines.length = 0;
      await setUp({ logStream: memory, logLevel: 'debug' });
    });

    test('when codes are sent, checked right and wrong, on pages and the API, then none of them appears in any log line', async () => {
      const codes: string[] = [];
      const viaApi = await sendAndRead();
      codes.push(viaApi.code);
      await check(viaApi.id, wrong(viaApi.code));
      await check(viaApi.id, `${viaApi.code.slice(0, 4)}-${viaApi.code.slice(4)}`);
      await check(viaApi.id, viaApi.code);
      await check(viaApi.id, `x${viaApi.code}`).expect(400);

      const agent = await signIn(t.app, AGENT);
      let page = await agent.get(`/users/${user.id}`);
      await agent.post(`/users/${user.id}/verifications`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
      const viaPage = codeIn(await smtp.waitForMessage(user.email));
      codes.push(viaPage);
      page = await agent.get(`/users/${user.id}`);
      const action = verifyAction(page.text);
      await agent.post(action!).type('form').send({ _csrf: csrfFrom(page.text), userId: user.id, code: wrong(viaPage) });
      await agent.post(action!).type('form').send({ _csrf: csrfFrom(page.text), userId: user.id, code: viaPage });

      await smtp.stop();
      await send().expect(503);
      smtp = await TestSmtpServer.start({ port: smtp.port });

      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(10);
      for (const code of codes) {
        expect(log).not.toContain(code);
        expect(log).not.toContain(`${code.slice(0, 4)} ${code.slice(4)}`);
        expect(log).not.toContain(`${code.slice(0, 4)}-${code.slice(4)}`);
      }
    });

    function verifyAction(html: string) {
      return /action="(\/verifications\/[^"]+\/check)"/.exec(html)?.[1];
    }
  });
});
