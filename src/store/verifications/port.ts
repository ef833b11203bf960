// Identity verification codes sent to users.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

/**
 * A verification code sent to a user. The code itself is never stored, only its HMAC.
 * 'expired' is not an outcome: it follows from expiresAt and the clock when the code is checked.
 */
export type VerificationOutcome = 'pending' | 'verified' | 'locked' | 'voided';

export interface Verification {
  id: string;
  partnerId: string;
  orgId: string;
  userId: string;
  /** The address the code went to, as it was when sent. */
  sentTo: string;
  /** The agent who asked for it. */
  requestedBy: string;
  /** HMAC-SHA256 (hex) of the verification id and the code, keyed with CODE_SECRET. */
  codeHash: string;
  createdAt: string;
  expiresAt: string;
  /** Every answer checked against this code, right or wrong. */
  attempts: number;
  outcome: VerificationOutcome;
  /** When the outcome last changed (verified, locked or voided). */
  settledAt: string | null;
}

export interface VerificationAttempt {
  /** Whether the answer matched the code (compared by the caller, in constant time). */
  correct: boolean;
  now: Date;
  /** The attempt that reaches this count without a match locks the code. */
  maxAttempts: number;
}

export interface VerificationRepo {
  /** Stores a new code and voids every pending code of the same user, in one transaction. */
  create(verification: Verification): Promise<void>;
  get(partnerId: string, id: string): Promise<Verification | null>;
  /** The user's newest verification, whatever its outcome. */
  latestForUser(partnerId: string, userId: string): Promise<Verification | null>;
  /**
   * Counts one answer in a single conditional write: it applies only while the code is pending,
   * unexpired and under maxAttempts, and then marks it verified (correct), locked (the last try)
   * or leaves it pending. Returns the updated record, or null when the write did not apply, so two
   * correct answers at once verify exactly once.
   */
  attempt(partnerId: string, id: string, attempt: VerificationAttempt): Promise<Verification | null>;
  /** Voids the code if it is still pending (its mail could not be sent). */
  void(partnerId: string, id: string, at: Date): Promise<void>;
}
