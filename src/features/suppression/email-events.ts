// What the mail provider tells us, from its webhook or from the import: each event
// moves the last-email state of the users with that address, and a bounce or a complaint puts the
// address on the suppression list. Both entry points call these functions, so they cannot differ.
//
// An event about one partner's mail (the provider echoes the partner the mail was sent for, see
// the SMTP mailer's X-Helpdesk-Partner header) moves only that partner's users: whatever it says
// (the kind of mail, when, the provider's diagnostic, which may quote the mail) is that partner's.
// The suppression list stays per address, for every partner, but remembers whose mail put the
// address there, so that its diagnostic is shown to that partner only (suppression.service.ts).
import type { EmailEvent, EmailEventType, EmailState, Store, Suppression, SuppressionReason } from '../../store/store';

const STATE_AFTER: Record<EmailEventType, EmailState> = {
  delivery: 'delivered',
  deferral: 'deferred',
  bounce: 'bounced',
  // The complained-about mail did arrive; the suppression entry says the rest.
  complaint: 'delivered',
};

const SUPPRESSES: Partial<Record<EmailEventType, SuppressionReason>> = { bounce: 'hard_bounce', complaint: 'complaint' };

export type EventOutcome = 'applied' | 'duplicate';

/** Addresses compare lowercase and instants as one format, whatever the provider sent. */
const normalize = ({ partnerId: _partner, ...e }: EmailEvent): EmailEvent => ({
  ...e, email: e.email.trim().toLowerCase(), at: new Date(e.at).toISOString(),
});

export async function applyEmailEvent(store: Store, input: EmailEvent): Promise<EventOutcome> {
  const event = normalize(input);
  const partnerId = input.partnerId || undefined;
  // The same event twice (an export imported again) changes nothing the second time.
  if (!(await store.emailEvents.append(event))) return 'duplicate';

  // The users repo keeps the newer of the stored and the given state, so a late event is harmless.
  await store.users.recordLastEmail(event.email, {
    kind: event.messageKind, status: STATE_AFTER[event.type], at: event.at, detail: event.detail,
  }, partnerId);

  const reason = SUPPRESSES[event.type];
  if (reason) await suppressFor(store, event, reason, partnerId ?? null);
  return 'applied';
}

async function suppressFor(store: Store, event: EmailEvent, reason: SuppressionReason, partnerId: string | null): Promise<void> {
  // A hard bounce older than a later delivery says nothing about the mailbox now. A complaint
  // stays the recipient's wish whatever was delivered since.
  if (reason === 'hard_bounce') {
    const newest = await store.emailEvents.latest(event.email);
    if (newest && Date.parse(newest.at) > Date.parse(event.at)) return;
  }
  const current = await store.suppressions.get(event.email);
  // An address stays listed since its first event; only a complaint outranks another reason,
  // because clearing it asks more of the agent.
  if (current && (current.reason === 'complaint' || reason !== 'complaint')) return;
  await store.suppressions.upsert({ email: event.email, reason, since: event.at, detail: event.detail, partnerId });
}

/** A suppression entry as exported by the provider (import): taken as it is. */
export async function applySuppression(store: Store, entry: Suppression): Promise<void> {
  await store.suppressions.upsert({ ...entry, email: entry.email.trim().toLowerCase(), since: new Date(entry.since).toISOString() });
}
