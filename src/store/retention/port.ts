// The retention job's deletes.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

/** What the retention job removes in one run (src/features/retention/retention.ts). */
export interface RetentionRule {
  now: Date;
  /** Verifications created before this are deleted, whatever their outcome. */
  verificationsBefore: Date;
  /** Audit events that happened before this are deleted. */
  auditBefore: Date;
}

/** Rows deleted, per kind. Sign-in links and invitations go once used, voided or expired (at `now`); so do expired sessions. */
export interface RetentionCounts { verifications: number; signInLinks: number; invitations: number; sessions: number; audit: number }

/**
 * Personal data kept no longer than it serves. Every app process runs the job: each deletion is a
 * plain conditional delete, so runs that overlap delete each row once and never fail on each other.
 */
export interface RetentionRepo {
  purge(rule: RetentionRule): Promise<RetentionCounts>;
}
