import net from 'node:net';
import { ManualClock } from '../../src/clock';
import { AppError } from '../../src/errors';
import { createMailer } from '../../src/mail';
import type { MailMessage } from '../../src/mail/mailer';
import { OutboxMailer } from '../../src/mail/outbox/outbox-mailer';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';
import { renderVerificationMail } from '../../src/mail/templates';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { TestSmtpServer } from '../helpers/smtp-server';

const message = (over: Partial<MailMessage> = {}): MailMessage => ({
  partnerId: 'p-north',
  to: 'helene.dupre@dupre.example',
  subject: 'Votre code de vérification',
  text: 'Bonjour Hélène,\n\n    4821 3379\n',
  html: '<p>Bonjour Hélène,</p><p>4821 3379</p>',
  kind: 'verification',
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('SMTP mailer', () => {
  let smtp: TestSmtpServer;
  let mailer: SmtpMailer | undefined;
  beforeEach(async () => { smtp = await TestSmtpServer.start(); });
  afterEach(async () => {
    await mailer?.close();
    mailer = undefined;
    await smtp.stop();
  });

  test('when a message is sent, then the SMTP server receives its subject, text and HTML intact', async () => {
    mailer = new SmtpMailer({ url: smtp.url, from: 'Help Desk <helpdesk@north.example>' });
    const { id } = await mailer.send(message());
    const mail = await smtp.waitForMessage('helene.dupre@dupre.example');
    expect(id).toEqual(expect.any(String));
    expect(mail.from).toBe('helpdesk@north.example');
    expect(mail.subject).toBe('Votre code de vérification');
    expect(mail.text).toContain('Bonjour Hélène,');
    expect(mail.html).toContain('<p>4821 3379</p>');
    expect(mail.headers['x-helpdesk-kind']).toBe('verification');
    // The provider echoes it in its events, which then reach this partner's users only (email-events.ts).
    expect(mail.headers['x-helpdesk-partner']).toBe('p-north');
  });

  test('when the server asks for credentials and they are wrong, then the error says the credentials were refused', async () => {
    await smtp.stop();
    smtp = await TestSmtpServer.start({ auth: { user: 'desk', pass: 'right' } });
    mailer = new SmtpMailer({ url: `smtp://desk:wrong@127.0.0.1:${smtp.port}`, from: 'helpdesk@north.example' });
    const err = await rejection(mailer.send(message()));
    expect(err).toMatchObject({ code: 'unavailable', status: 503 });
    expect(err.message).toMatch(/refused the help desk's credentials/);
    expect(smtp.messages).toHaveLength(0);
  });

  test('when the server is stopped, then the error says the connection was refused and the mail was not sent', async () => {
    mailer = new SmtpMailer({ url: smtp.url, from: 'helpdesk@north.example' });
    await smtp.stop();
    const err = await rejection(mailer.send(message()));
    expect(err).toMatchObject({ code: 'unavailable', status: 503 });
    expect(err.message).toBe('The mail server refused the connection (is it running?). The mail was not sent.');
    smtp = await TestSmtpServer.start();
  });

  test('when the server accepts the connection but never greets, then the error says it did not answer in time', async () => {
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => { held.add(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    mailer = new SmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'helpdesk@north.example', greetingTimeoutMs: 200, connectionTimeoutMs: 500 });
    try {
      const err = await rejection(mailer.send(message()));
      expect(err.message).toBe('The mail server did not answer in time. The mail was not sent.');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('when the server refuses the recipient, then the error says so with the SMTP reply code', async () => {
    await smtp.stop();
    smtp = await TestSmtpServer.start({ rejectRecipients: ['helene.dupre@dupre.example'] });
    mailer = new SmtpMailer({ url: smtp.url, from: 'helpdesk@north.example' });
    const err = await rejection(mailer.send(message()));
    expect(err.message).toBe('The mail server refused the sender or the recipient address. SMTP reply 550. The mail was not sent.');
  });
});

describe('outbox mailer', () => {
  let store: EmbeddedStore;
  beforeEach(() => { store = new EmbeddedStore(':memory:'); });
  afterEach(() => store.close());

  test('when SMTP_URL is not set, then mail is kept in the outbox, newest first and by partner', async () => {
    const clock = new ManualClock('2026-01-15T10:00:00Z');
    const mailer = createMailer({ smtpUrl: undefined, mailFrom: 'helpdesk@localhost' }, store, clock);
    expect(mailer).toBeInstanceOf(OutboxMailer);
    await mailer.send(message({ subject: 'first' }));
    clock.advance(1000);
    await mailer.send(message({ subject: 'second' }));
    await mailer.send(message({ subject: 'elsewhere', partnerId: 'p-south' }));

    const north = await store.mailOutbox.listByPartner('p-north', { limit: 10, offset: 0 });
    expect(north.map((m) => m.subject)).toEqual(['second', 'first']);
    expect(north[0]).toMatchObject({ to: 'helene.dupre@dupre.example', kind: 'verification', createdAt: '2026-01-15T10:00:01.000Z' });
    expect((await store.mailOutbox.listByPartner('p-south', { limit: 10, offset: 0 })).map((m) => m.subject)).toEqual(['elsewhere']);
  });

  test('when SMTP_URL is set, then the SMTP mailer is chosen', async () => {
    const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:2525', mailFrom: 'helpdesk@localhost' }, store);
    expect(mailer).toBeInstanceOf(SmtpMailer);
    await mailer.close();
  });

  test('when the store cannot take the mail, then the error is a clear 503', async () => {
    const mailer = new OutboxMailer(store, new ManualClock());
    await store.close();
    const err = await rejection(mailer.send(message()));
    expect(err).toMatchObject({ code: 'unavailable', status: 503 });
  });
});

describe('verification mail templates', () => {
  const data = { partner: 'Northwind Partners', name: 'Hélène', code: '4821 3379', minutes: 10 };

  test('when rendered in English, then both parts name the partner, show the grouped code, its validity and the never-ask line', async () => {
    const mail = await renderVerificationMail({ ...data, lang: 'en' });
    expect(mail.subject).toBe('Your verification code for the Northwind Partners help desk');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('Northwind Partners');
      expect(part).toContain('4821 3379');
      expect(part).toContain('valid for 10 minutes');
      expect(part).toContain('will never ask you for anything else');
    }
    expect(mail.html).toMatch(/^<!doctype html>/);
  });

  test('when rendered in French, then the words are French', async () => {
    const mail = await renderVerificationMail({ ...data, lang: 'fr' });
    expect(mail.subject).toBe('Votre code de vérification pour le support Northwind Partners');
    expect(mail.text).toContain('Bonjour Hélène,');
    expect(mail.text).toContain('valable 10 minutes');
    expect(mail.html).toContain('ne vous demandera jamais rien d’autre');
  });

  test('when names hold & < > or quotes, then the text part shows them as they are', async () => {
    const mail = await renderVerificationMail({ ...data, lang: 'en', partner: 'Dupré & Fils <EU>', name: "O'Brien" });
    expect(mail.text).toContain('Dupré & Fils <EU>');
    expect(mail.text).toContain("O'Brien");
    expect(mail.text).not.toContain('&amp;');
  });

  test('when the partner name holds markup, then the HTML part escapes it', async () => {
    const mail = await renderVerificationMail({ ...data, lang: 'en', partner: '<b>Evil</b>' });
    expect(mail.html).not.toContain('<b>Evil</b>');
    expect(mail.html).toContain('&lt;b&gt;Evil&lt;/b&gt;');
  });
});
