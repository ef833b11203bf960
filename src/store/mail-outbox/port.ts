// The local mail outbox (no SMTP_URL): mail the partner's admins read in the app.
// The port of this repository: its records and interface (docs/architecture.md, "The store").
import type { Page } from '../common';
import type { EmailKind } from '../users/port';

/** A mail kept in the local outbox (no SMTP_URL): the partner's admins read it in the app. */
export interface OutboxMail {
  id: string;
  partnerId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  kind: EmailKind;
  createdAt: string;
}

export interface MailOutboxRepo {
  append(mail: OutboxMail): Promise<void>;
  /** Newest first. */
  listByPartner(partnerId: string, page: Page): Promise<OutboxMail[]>;
  /** Every partner's mail, newest first: only the development mailbox reads it (never in production). */
  listAll(page: Page): Promise<OutboxMail[]>;
}
