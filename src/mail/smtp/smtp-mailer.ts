// SmtpMailer: nodemailer's pooled SMTP transport. Short timeouts, because an agent is waiting on a
// live call, and nodemailer's error codes turned into messages an agent can act on.
import nodemailer, { type Transporter } from 'nodemailer';
import { unavailable } from '../../errors';
import type { MailMessage, Mailer } from '../mailer';

export interface SmtpMailerOptions {
  url: string;
  from: string;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

interface NodemailerError { code?: string; originalCode?: string; responseCode?: number }

const MESSAGES: Record<string, string> = {
  ECONNECTION: 'The mail server closed the connection.',
  ESOCKET: 'The mail server cannot be reached.',
  ETIMEDOUT: 'The mail server did not answer in time.',
  EDNS: 'The mail server\'s name cannot be resolved.',
  ETLS: 'A secure connection to the mail server could not be set up.',
  EAUTH: 'The mail server refused the help desk\'s credentials.',
  ENOAUTH: 'The mail server asks for credentials and none are configured.',
  EENVELOPE: 'The mail server refused the sender or the recipient address.',
  EMESSAGE: 'The mail server refused the message.',
  EPROTOCOL: 'The mail server answered in an unexpected way.',
};

/** A message naming what went wrong, never the mail's content (it may hold a code). */
export function describeSmtpError(err: unknown): string {
  const e = (err ?? {}) as NodemailerError;
  const what = (e.originalCode === 'ECONNREFUSED' && 'The mail server refused the connection (is it running?).')
    || MESSAGES[e.code ?? '']
    || 'The mail could not be handed to the mail server.';
  const reply = e.responseCode ? ` SMTP reply ${e.responseCode}.` : '';
  return `${what}${reply} The mail was not sent.`;
}

export class SmtpMailer implements Mailer {
  readonly name = 'smtp';
  private readonly transport: Transporter;

  constructor(options: SmtpMailerOptions) {
    this.transport = nodemailer.createTransport({
      pool: true,
      url: options.url,
      maxConnections: 5,
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      greetingTimeout: options.greetingTimeoutMs ?? 5_000,
      socketTimeout: options.socketTimeoutMs ?? 15_000,
      // nodemailer's own logger would write the message, and with it a verification code.
      logger: false,
      debug: false,
    }, { from: options.from });
  }

  async send(message: MailMessage): Promise<{ id: string }> {
    try {
      const info = await this.transport.sendMail({
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // The provider echoes these in its events, so an event about this mail reaches this partner only.
        headers: { 'X-Helpdesk-Kind': String(message.kind), 'X-Helpdesk-Partner': message.partnerId },
      });
      return { id: info.messageId };
    } catch (err) {
      throw unavailable(describeSmtpError(err));
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
