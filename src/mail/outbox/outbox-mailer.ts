// OutboxMailer: without SMTP_URL, mail is kept in the store so the app runs with no mail server
// and the partner's admins can read what was sent (README, Configuration).
import crypto from 'node:crypto';
import type { Clock } from '../../clock';
import { unavailable } from '../../errors';
import type { Store } from '../../store/store';
import type { MailMessage, Mailer } from '../mailer';

export class OutboxMailer implements Mailer {
  readonly name = 'outbox';

  constructor(private readonly store: Store, private readonly clock: Clock) {}

  async send(message: MailMessage): Promise<{ id: string }> {
    const id = crypto.randomUUID();
    try {
      await this.store.mailOutbox.append({ id, ...message, createdAt: this.clock.now().toISOString() });
    } catch {
      throw unavailable('The mail could not be stored in the outbox. Try again in a moment.');
    }
    return { id };
  }

  async close(): Promise<void> {}
}
