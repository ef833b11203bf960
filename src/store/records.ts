// The domain as stored (docs/architecture.md, "Ports and their adapters"). Plain objects: both store adapters take and return these.
// Dates are ISO 8601 strings so records cross the port, the JSON API and the import unchanged.

export interface Partner {
  id: string;
  name: string;
}

export type OrgStatus = 'active' | 'trial' | 'suspended';
export type SupportTier = 'online' | 'business' | 'enterprise' | 'elite';
export type SupportRegion = 'americas' | 'emea' | 'apac' | 'japan';

export interface Domain { name: string; claimed: boolean; verified: boolean }
export interface Site { url: string; type: string; status: string }
export interface WebOrder { number: string; product: string; status: string; date: string }
export interface License { sku: string; name: string; quantity: number; used: number }
export interface Subscription {
  id: string;
  plan: string;
  status: string;
  start: string;
  end: string;
  licenses: License[];
}
export interface SupportPlan {
  tier: SupportTier;
  region: SupportRegion;
  /** IANA zone of the customer's business hours when not the region's reference zone. */
  timeZone?: string | null;
}

export interface Org {
  id: string;
  partnerId: string;
  name: string;
  status: OrgStatus;
  createdAt: string;
  domains: Domain[];
  sites: Site[];
  orders: WebOrder[];
  subscriptions: Subscription[];
  supportPlan: SupportPlan | null;
  settings: Record<string, string | number | boolean>;
}

export type UserStatus = 'active' | 'pending' | 'inactive';
export type EmailKind = 'welcome' | 'activation' | 'verification' | string;
/** `sent`: the app handed it to the mail server; the provider's events move it on. */
export type EmailState = 'sent' | 'delivered' | 'bounced' | 'deferred' | 'suppressed';

export interface LastEmail {
  kind: EmailKind;
  status: EmailState;
  at: string;
  detail: string;
}

export interface User {
  id: string;
  orgId: string;
  /** Derived from the org at write time; never taken from input. */
  partnerId: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
  phone: string;
  sipAddress: string;
  status: UserStatus;
  createdAt: string;
  roles: string[];
  licenses: string[];
  features: string[];
  supportContactFor: string[];
  lastEmail: LastEmail | null;
}

export interface Device {
  id: string;
  orgId: string;
  /** Derived from the org at write time; never taken from input. */
  partnerId: string;
  ownerUserId: string | null;
  displayName: string;
  model: string;
  serial: string;
  mac: string;
  sipAddress: string;
  status: string;
}

export type AgentRole = 'helpdesk' | 'partner_admin';

export interface Agent {
  id: string;
  partnerId: string;
  email: string;
  name: string;
  role: AgentRole;
  /** null for an invited agent until they set a password through their link (older data may hold ''). */
  passwordHash: string | null;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: string | null;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  /** The agent the token acts as; null for an integration token, which acts as no agent. */
  agentId: string | null;
  partnerId: string;
  /**
   * 'integration': a sync job's token (`helpdesk token create --integration`), which may only post
   * imports for its partner (POST /api/v1/import). Absent on an agent's token.
   */
  role?: 'integration';
  name: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: string;
  /**
   * What the admin sees to tell tokens apart: its first 6 characters (the fixed prefix and 2 random
   * ones) and its last 4, e.g. "phd_Ab…wxYz" — far too little to use. Absent on tokens issued
   * before it was kept.
   */
  hint?: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

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

export interface SessionRecord {
  sid: string;
  agentId: string | null;
  data: string;
  expiresAt: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  partnerId: string | null;
  orgId: string | null;
  subject: string | null;
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  clientIp: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

/** 'all' asks every index follower to rebuild from the store (`helpdesk reindex` on the embedded engine). */
export type ChangedEntity = 'org' | 'user' | 'device' | 'all';

/** One row of the change outbox, written in the same transaction as the change. */
export interface Change {
  seq: number;
  entity: ChangedEntity;
  id: string;
  at: string;
}

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
