// Picks the mail adapter from configuration (README, Configuration): SMTP when SMTP_URL is set, otherwise the
// local outbox in the store.
import { systemClock, type Clock } from '../clock';
import type { Config } from '../config';
import type { Store } from '../store/store';
import type { Mailer } from './mailer';
import { OutboxMailer } from './outbox/outbox-mailer';
import { SmtpMailer } from './smtp/smtp-mailer';

export type { MailMessage, Mailer } from './mailer';

export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom'>, store: Store, clock: Clock = systemClock): Mailer {
  if (config.smtpUrl) return new SmtpMailer({ url: config.smtpUrl, from: config.mailFrom });
  return new OutboxMailer(store, clock);
}
