// The Mailer port: one message out, to SMTP (production) or the local outbox (embedded default).
// A message that cannot be handed over rejects with AppError 'unavailable' whose message says why,
// so callers can tell the agent plainly and undo what depended on the mail.
import type { EmailKind } from '../store/store';

export interface MailMessage {
  /** The tenant the mail is sent for: the outbox lists mail by partner. */
  partnerId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  kind: EmailKind;
}

export interface Mailer {
  readonly name: string;
  /** Resolves once the message is accepted for delivery; `id` is the transport's message id. */
  send(message: MailMessage): Promise<{ id: string }>;
  close(): Promise<void>;
}
