// Reliability, mail server failing while an agent sends a code. A stopped server
// (connection refused), on the API and on the user page, is caused in
// test/features/verification.test.ts ("when the SMTP server is stopped…", "when the mail server is
// down…"): 503 saying why, code voided, send not counted. Here, the two faults it leaves out: a
// server that takes the mail and then refuses it, and one that accepts the connection and never
// speaks. In both the agent is told why at once and nothing is sent later behind their back.
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { SENDS_PER_USER } from '../../src/features/verification/verification.service';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';
import type { User } from '../../src/store/store';
import * as f from '../helpers/factories';
import { buildTestApp, type TestApp } from '../helpers/test-app';

const PARTNER = 'p-north';
const AGENT = 'agent@north.example';

async function setUp(smtpUrl: string, greetingTimeoutMs?: number): Promise<{ t: TestApp; user: User; send: () => request.Test }> {
  const t = await buildTestApp({ mailer: () => new SmtpMailer({ url: smtpUrl, from: 'helpdesk@north.example', greetingTimeoutMs }) });
  await t.store.partners.upsert(f.partner({ id: PARTNER }));
  const org = f.org(PARTNER);
  await t.store.orgs.upsert(org);
  const user = await t.store.users.upsert(f.user(org.id));
  await t.addAgent(PARTNER, AGENT);
  const token = await t.apiToken(AGENT);
  const send = () => request(t.app).post(`/api/v1/users/${user.id}/verifications`).set('Authorization', `Bearer ${token}`);
  return { t, user, send };
}

const listening = (server: { listen: (port: number, host: string, cb: () => void) => unknown }) =>
  new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });

describe('when the mail server fails during a code send', () => {
  let t: TestApp | undefined;
  const closers: Array<() => Promise<void>> = [];

  afterEach(async () => {
    await t?.close();
    for (const close of closers.splice(0)) await close();
  });

  test('when it refuses the message (451), then the agent gets a 503 saying so, the code is void, the send is not counted and never retried', async () => {
    let refuse = true;
    let transactions = 0;
    let delivered = 0;
    const smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false, closeTimeout: 200,
      onMailFrom(_address, _session, cb) { transactions += 1; cb(); },
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => {
          if (refuse) return cb(Object.assign(new Error('4.3.0 Temporary failure, try again later'), { responseCode: 451 }));
          delivered += 1;
          cb();
        });
      },
    });
    await listening(smtp);
    closers.push(() => new Promise((resolve) => smtp.close(() => resolve())));
    const s = await setUp(`smtp://127.0.0.1:${(smtp.server.address() as net.AddressInfo).port}`);
    t = s.t;

    const failed = await s.send().expect(503);
    expect(failed.body.error).toEqual({ code: 'unavailable', message: 'The mail server refused the message. SMTP reply 451. The mail was not sent.' });
    expect((await t.store.verifications.latestForUser(PARTNER, s.user.id))!.outcome).toBe('voided');
    const audit = await t.store.audit.query({ partnerId: PARTNER, action: 'verification.send', limit: 10, offset: 0 });
    expect(audit.events.map((e) => [e.outcome, e.detail.reason])).toEqual([['failure', 'mail_not_sent']]);

    // The server would take the mail now; nothing comes back to send the voided code.
    refuse = false;
    await new Promise((r) => setTimeout(r, 2000));
    expect({ transactions, delivered }).toEqual({ transactions: 1, delivered: 0 });

    // The refused send used none of the user's sends.
    for (let i = 0; i < SENDS_PER_USER.limit; i++) await s.send().expect(202);
    await s.send().expect(429);
    expect(delivered).toBe(SENDS_PER_USER.limit);
  });

  test('when it accepts the connection and never answers, then the agent gets a 503 within seconds and the code is void', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => { sockets.add(socket); });
    await listening(silent);
    closers.push(() => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      silent.close(() => resolve());
    }));
    const s = await setUp(`smtp://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, 500);
    t = s.t;

    const started = Date.now();
    const failed = await s.send().expect(503);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(failed.body.error).toEqual({ code: 'unavailable', message: 'The mail server did not answer in time. The mail was not sent.' });
    expect((await t.store.verifications.latestForUser(PARTNER, s.user.id))!.outcome).toBe('voided');
  });
});
