// Single-use links that let an invited agent choose a password.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

/**
 * A single-use link that lets an invited agent choose their password. Only the SHA-256 of the
 * link's token is stored; the token travels once, in the invitation mail.
 */
export interface PasswordSetup {
  tokenHash: string;
  agentId: string;
  partnerId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export interface PasswordSetupRepo {
  /** Stores a new link and voids every unused link of the same agent: only the latest mail works. */
  create(setup: PasswordSetup): Promise<void>;
  /** The link if it is unused and unexpired, else null. */
  find(tokenHash: string, now: Date): Promise<PasswordSetup | null>;
  /** Marks the link used in one conditional write; null when it was used, voided or expired (single use). */
  consume(tokenHash: string, now: Date): Promise<PasswordSetup | null>;
}
