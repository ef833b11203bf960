// What the mail provider reports: the suppression list, mail events, and the replay keys of its signed webhook calls.
// The port of this repository: its records and interface (docs/architecture.md, "The store").
import type { EmailKind } from '../users/port';

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'unsubscribe' | 'manual';

/**
 * An address the platform sends no email to. Kept per address across the platform,
 * because the address is the caller's mailbox whichever partner looks after them; requests reach
 * it only through a user already scoped by partner.
 */
export interface Suppression {
  /** Lowercase; unique. */
  email: string;
  reason: SuppressionReason;
  since: string;
  /** The provider's diagnostic, e.g. "550 5.1.1 mailbox unavailable". */
  detail: string;
  /**
   * The partner whose mail led to the entry, when the provider's event said so: its diagnostic is
   * shown to that partner only (suppression.service.ts). Absent or null: the platform's own entry.
   */
  partnerId?: string | null;
}

export type EmailEventType = 'delivery' | 'deferral' | 'bounce' | 'complaint';

/** What the mail provider reported about one message (webhook or import: src/import/import.schema.ts). */
export interface EmailEvent {
  /** Lowercase. */
  email: string;
  type: EmailEventType;
  /** The kind of mail it was about (welcome, activation, verification…). */
  messageKind: EmailKind;
  /** When the provider saw it happen. */
  at: string;
  detail: string;
  /** The partner whose mail it was about, echoed by the provider; absent or null when it cannot tell. */
  partnerId?: string | null;
}

/**
 * The suppression list: one entry per address across the platform. Reads from a
 * request pass the address of a user already scoped by partner, never an address from the request.
 */
export interface SuppressionRepo {
  get(email: string): Promise<Suppression | null>;
  /** Inserts the entry, or replaces the one for the same address. */
  upsert(suppression: Suppression): Promise<void>;
  /** Removes the address's entry and returns it; null when the address was not suppressed. */
  remove(email: string): Promise<Suppression | null>;
}

export interface EmailEventRepo {
  /**
   * Records the event unless the same one (address, type, messageKind, at) is recorded already;
   * true when it was new, so importing an export twice applies each event once.
   */
  append(event: EmailEvent): Promise<boolean>;
  /** The address's newest event by `at`, or null. */
  latest(email: string): Promise<EmailEvent | null>;
}

/** Keys seen once within an expiry, shared by every app process (signed webhook calls against replay). */
export interface ReplayRepo {
  /** True the first time `key` is claimed before it expires; false while an earlier claim stands. */
  claim(key: string, expiresAt: Date, now: Date): Promise<boolean>;
  /** Gives a claim back (the call it guarded failed and may be retried). */
  release(key: string): Promise<void>;
}
