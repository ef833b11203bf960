// The last gate before any transport: while an address is on the suppression list
// the platform sends it nothing, whichever feature asks. Features check first to tell the agent
// why in their own words; this wrapper makes sure a caller that forgot cannot send anyway.
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { Store, Suppression, SuppressionReason } from '../store/store';
import type { MailMessage, Mailer } from './mailer';
import { mailKindLabel, mailMessages, mailRefusedSuppressed } from '../metrics/metrics';

const REASON_WORDS: Record<SuppressionReason, string> = {
  hard_bounce: 'a hard bounce',
  complaint: 'a spam complaint',
  unsubscribe: 'an unsubscribe',
  manual: 'a manual entry',
};

/** The refusal for a suppressed address, naming the reason and the date (the API's `message`). */
export class AddressSuppressedError extends AppError {
  constructor(readonly suppression: Suppression) {
    super('conflict', 409, `No email is sent to ${suppression.email}: it is on the suppression list after `
      + `${REASON_WORDS[suppression.reason]} on ${suppression.since.slice(0, 10)}. Clear it from the suppression list first.`);
    // Counted here: the features that check before sending (to say why in their words) refuse with
    // this same error, and a mail refused here never reaches the mail server.
    mailRefusedSuppressed.inc({ reason: suppression.reason });
  }
}

/**
 * The one exception to "nothing is sent to a suppressed address": the verification code to an
 * address suppressed for a spam complaint. The product clears a complaint only for a caller verified
 * by code in this call, and the code can only reach them by mail; the caller is on the phone asking
 * for mail back, and the code is the mail they asked for. A hard bounce stays refused: the mailbox
 * does not exist, so the code could never arrive.
 */
export function suppressionAllows(suppression: Suppression | null, kind: MailMessage['kind']): boolean {
  return !suppression || (suppression.reason === 'complaint' && kind === 'verification');
}

/**
 * Also records what it sent as the recipient's last email (`sent`, until the provider reports
 * delivered, bounced…): the user page shows the mail the app itself just sent, not an older event.
 * Only the sending partner's users with that address are touched.
 */
export class SuppressionAwareMailer implements Mailer {
  constructor(private readonly inner: Mailer, private readonly store: Store, private readonly clock: Clock) {}

  get name(): string {
    return this.inner.name;
  }

  async send(message: MailMessage): Promise<{ id: string }> {
    const suppression = await this.store.suppressions.get(message.to);
    const kind = mailKindLabel(message.kind);
    if (!suppressionAllows(suppression, message.kind)) throw new AddressSuppressedError(suppression!);
    let sent: { id: string };
    try {
      sent = await this.inner.send(message);
    } catch (err) {
      mailMessages.inc({ kind, outcome: 'failed' });
      throw err;
    }
    mailMessages.inc({ kind, outcome: 'sent' });
    const lastEmail = { kind: message.kind, status: 'sent' as const, at: this.clock.now().toISOString(), detail: '' };
    // The mail has left: a store that fails here must not turn a sent mail into an error (the
    // provider's next event will set the state again).
    await this.store.users.recordLastEmail(message.to, lastEmail, message.partnerId).catch(() => 0);
    return sent;
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

/** Wraps once: main.ts wraps the configured mailer and createApp wraps whatever it is given. */
export const suppressionAware = (mailer: Mailer, store: Store, clock: Clock): Mailer =>
  (mailer instanceof SuppressionAwareMailer ? mailer : new SuppressionAwareMailer(mailer, store, clock));
