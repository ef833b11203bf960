// Consent: read-only access grants, access requests, customer admins' sign-in links and grant reminders.
// The port of this repository: its records and interface (docs/architecture.md, "The store").
import type { Page } from '../common';

/**
 * A customer admin's consent to the partner's read-only view of their org. Active while
 * not revoked and expiresAt is ahead of the clock: expiry needs no job, it is read from the time.
 */
export interface ConsentGrant {
  id: string;
  orgId: string;
  partnerId: string;
  /** The customer admin (a user of the org) who granted it. */
  grantedBy: string;
  grantedByEmail: string;
  grantedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  /** The access request this grant answered, if any. */
  requestId: string | null;
  /** The granting admin's language: the reminder mails are written in it. */
  lang: string;
}

export type AccessRequestStatus = 'pending' | 'approved' | 'denied';

/** An agent asking an org's admins for read-only access, with a reason. */
export interface AccessRequest {
  id: string;
  orgId: string;
  partnerId: string;
  /** The agent who asked. */
  requestedBy: string;
  requestedByName: string;
  reason: string;
  createdAt: string;
  status: AccessRequestStatus;
  decidedAt: string | null;
  /** The customer admin who approved or denied it. */
  decidedBy: string | null;
  /** The grant an approval created or extended. */
  grantId: string | null;
  /** The asking agent's language, for the mail that tells them the answer (absent on older rows). */
  lang?: string;
}

/** A customer admin's single-use sign-in link. The token itself is never stored, only its SHA-256. */
export interface MagicLink {
  tokenHash: string;
  email: string;
  partnerId: string;
  orgId: string;
  /** The org's full_admin user the link signs in. */
  userId: string;
  createdAt: string;
  expiresAt: string;
  consumedAt: string | null;
}

/** Reminders before a grant of 30 days or more ends: 14 and 2 days ahead. */
export type GrantReminderKind = '14d' | '2d';

/** Read-only access grants. Active = not revoked and expiresAt > now; every write re-checks it. */
export interface ConsentGrantRepo {
  /** Inserts the grant unless the org has an active one at `now`, in one transaction; false when it has. */
  create(grant: ConsentGrant, now: Date): Promise<boolean>;
  get(partnerId: string, orgId: string, id: string): Promise<ConsentGrant | null>;
  /** The org's grant active at `now`, or null. */
  active(partnerId: string, orgId: string, now: Date): Promise<ConsentGrant | null>;
  /** Newest first, expired and revoked grants included. */
  listByOrg(partnerId: string, orgId: string, page: Page): Promise<ConsentGrant[]>;
  /** Moves the end of a grant still active at `now` (conditional write); null when it no longer is. */
  extend(partnerId: string, orgId: string, id: string, expiresAt: string, now: Date): Promise<ConsentGrant | null>;
  /** Revokes a grant still active at `now` (conditional write); null when it no longer was. */
  revoke(partnerId: string, orgId: string, id: string, by: string, now: Date): Promise<ConsentGrant | null>;
  /** Grants active at `now` that end by `until`, in any partner. System use only: the reminder job. */
  endingBy(now: Date, until: Date): Promise<ConsentGrant[]>;
}

export interface AccessRequestQuery extends Page { status?: AccessRequestStatus }

export interface AccessRequestRepo {
  create(request: AccessRequest): Promise<void>;
  get(partnerId: string, orgId: string, id: string): Promise<AccessRequest | null>;
  /** Newest first. */
  listByOrg(partnerId: string, orgId: string, query: AccessRequestQuery): Promise<AccessRequest[]>;
  /**
   * Settles a pending request in one conditional write, so two admins deciding at once settle it
   * once; null when it was no longer pending (or not in this org).
   */
  decide(partnerId: string, orgId: string, id: string,
    decision: { status: 'approved' | 'denied'; by: string; at: string; grantId: string | null }): Promise<AccessRequest | null>;
}

export interface MagicLinkRepo {
  create(link: MagicLink): Promise<void>;
  /** The link if it is unused and unexpired at `now`, without using it (the confirm page). */
  peek(tokenHash: string, now: Date): Promise<MagicLink | null>;
  /** Marks an unused, unexpired link used in one conditional write; null for everyone but the first caller. */
  consume(tokenHash: string, now: Date): Promise<MagicLink | null>;
  /** Deletes links whose expiry has passed, used or not. */
  purgeExpired(now: Date): Promise<number>;
}

export interface GrantReminderRepo {
  /**
   * Claims the reminder `kind` of the grant ending at `endsAt`: true for exactly one caller, across
   * processes (a unique row), so several job runners send each reminder once. An extended grant
   * ends at another time and so gets its reminders again.
   */
  claim(grantId: string, kind: GrantReminderKind, endsAt: string, at: Date): Promise<boolean>;
  /** Gives a claim back: its mail could not be sent, the next run tries again. */
  release(grantId: string, kind: GrantReminderKind, endsAt: string): Promise<void>;
}
