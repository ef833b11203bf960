// The Store port. Plain objects in and out; every read of customer data is scoped by the
// caller's partner, so a record of another tenant answers exactly like a missing one (null).
// Both adapters pass test/contract/store.contract.ts.
import type {
  Agent, ApiToken, AuditEvent, PasswordSetup, Change, Device, EmailEvent, LastEmail, Org, OutboxMail, Partner, SessionRecord, Suppression,
  User, Verification,
} from './records';
import type { AccessRequest, AccessRequestStatus, ConsentGrant, GrantReminderKind, MagicLink } from './records';

export * from './records';

export interface Page { limit: number; offset: number }

/** Input of an org/user/device upsert: partnerId of users and devices is derived from the org. */
export type UserInput = Omit<User, 'partnerId'>;
export type DeviceInput = Omit<Device, 'partnerId'>;

export interface PartnerRepo {
  upsert(partner: Partner): Promise<void>;
  get(id: string): Promise<Partner | null>;
  list(): Promise<Partner[]>;
}

/**
 * One of `of` disjoint parts of a table, numbered from 0, for scans run side by side (a reindex
 * split between worker threads): every record is in exactly one part, the parts about equal.
 */
export interface ScanPart {
  index: number;
  of: number;
}

export interface OrgRepo {
  upsert(org: Org): Promise<void>;
  get(partnerId: string, id: string): Promise<Org | null>;
  count(partnerId?: string): Promise<number>;
  /** System use only (the search indexer), never with ids from a request: not scoped by partner. */
  getByIds(ids: string[]): Promise<Org[]>;
  /** Every org exactly once, in batches, in the order the store reads fastest (reindex); see ScanPart. */
  scan(batchSize: number, part?: ScanPart): AsyncIterable<Org[]>;
}

export interface UserRepo {
  /** Throws AppError 'invalid' when the org does not exist. */
  upsert(user: UserInput): Promise<User>;
  get(partnerId: string, id: string): Promise<User | null>;
  listByOrg(partnerId: string, orgId: string, page: Page): Promise<User[]>;
  countByOrg(partnerId: string, orgId: string): Promise<number>;
  /** Users of the org holding any admin role. */
  listAdmins(partnerId: string, orgId: string): Promise<User[]>;
  findByEmail(partnerId: string, email: string): Promise<User[]>;
  /** Users with role full_admin and this address, in any partner. System use only: customer admin sign-in. */
  findFullAdminsByEmail(email: string): Promise<User[]>;
  count(partnerId?: string): Promise<number>;
  /** System use only (the search indexer), never with ids from a request: not scoped by partner. */
  getByIds(ids: string[]): Promise<User[]>;
  scan(batchSize: number, part?: ScanPart): AsyncIterable<User[]>;
  /**
   * System use only (mail provider events), never with an address from an agent's request: sets
   * `lastEmail` on every user with this address, in any partner, whose lastEmail is absent or not
   * newer (`at`), so an older event arriving late never overwrites a newer one. Records a change
   * per updated user; returns how many were updated. With `partnerId`, only that partner's users
   * with this address: the event was about that partner's mail.
   */
  recordLastEmail(email: string, lastEmail: LastEmail, partnerId?: string): Promise<number>;
}

export interface DeviceRepo {
  upsert(device: DeviceInput): Promise<Device>;
  get(partnerId: string, id: string): Promise<Device | null>;
  listByOrg(partnerId: string, orgId: string, page: Page): Promise<Device[]>;
  countByOrg(partnerId: string, orgId: string): Promise<number>;
  listByOwner(partnerId: string, ownerUserId: string): Promise<Device[]>;
  count(partnerId?: string): Promise<number>;
  /** System use only (the search indexer), never with ids from a request: not scoped by partner. */
  getByIds(ids: string[]): Promise<Device[]>;
  scan(batchSize: number, part?: ScanPart): AsyncIterable<Device[]>;
}

export interface AgentRepo {
  /** Throws AppError 'conflict' when the email is taken (emails are unique across partners). */
  create(agent: Agent): Promise<void>;
  update(agent: Agent): Promise<void>;
  get(id: string): Promise<Agent | null>;
  getByEmail(email: string): Promise<Agent | null>;
  listByPartner(partnerId: string): Promise<Agent[]>;
}

export interface ApiTokenRepo {
  create(token: ApiToken): Promise<void>;
  getByHash(tokenHash: string): Promise<ApiToken | null>;
  touch(id: string, at: string): Promise<void>;
  revoke(partnerId: string, id: string, at: string): Promise<boolean>;
  listByPartner(partnerId: string): Promise<ApiToken[]>;
}

export interface PasswordSetupRepo {
  /** Stores a new link and voids every unused link of the same agent: only the latest mail works. */
  create(setup: PasswordSetup): Promise<void>;
  /** The link if it is unused and unexpired, else null. */
  find(tokenHash: string, now: Date): Promise<PasswordSetup | null>;
  /** Marks the link used in one conditional write; null when it was used, voided or expired (single use). */
  consume(tokenHash: string, now: Date): Promise<PasswordSetup | null>;
}

export interface SessionRepo {
  /** Expired sessions are never returned. */
  get(sid: string, now: Date): Promise<SessionRecord | null>;
  set(record: SessionRecord): Promise<void>;
  touch(sid: string, expiresAt: string): Promise<void>;
  destroy(sid: string): Promise<void>;
  destroyByAgent(agentId: string): Promise<number>;
  purgeExpired(now: Date): Promise<number>;
}

export interface AuditQuery {
  partnerId: string;
  orgId?: string;
  actorId?: string;
  subject?: string;
  action?: string;
  from?: string;
  to?: string;
  /** Any of these (an empty list matches nothing): a name that several records answer to. */
  orgIds?: string[];
  actorIds?: string[];
  subjects?: string[];
  actions?: string[];
  /** A family of actions: `consent` is `consent` and `consent.*`, never `consents`. */
  actionPrefix?: string;
  limit: number;
  offset: number;
}

export interface AuditRepo {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  query(q: AuditQuery): Promise<{ events: AuditEvent[]; total: number }>;
}

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

export interface ChangeRepo {
  /** Changes with seq > after, oldest first. */
  listAfter(after: number, limit: number): Promise<Change[]>;
  latestSeq(): Promise<number>;
  /** Appends an 'all' change: followers rebuild their index from the store. */
  requestRebuild(): Promise<void>;
  /** Where a durable follower (an indexer of a shared search engine) got to; null before its first run. */
  getCursor(consumer: string): Promise<number | null>;
  /** Saves a follower's position; it never moves back, whichever process saves last. */
  saveCursor(consumer: string, seq: number): Promise<void>;
  /** Drop changes older than `before` (every consumer has read them by then). */
  prune(before: Date): Promise<number>;
}

export interface RateLimitRepo {
  /** Count one hit on `key` in a fixed window; returns the count so far and when the window resets. */
  hit(key: string, windowMs: number, now: Date): Promise<{ count: number; resetAt: Date }>;
  /** Hits so far in the current window (0 when it has ended). */
  count(key: string, now: Date): Promise<number>;
  decrement(key: string): Promise<void>;
  reset(key: string): Promise<void>;
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

export interface MailOutboxRepo {
  append(mail: OutboxMail): Promise<void>;
  /** Newest first. */
  listByPartner(partnerId: string, page: Page): Promise<OutboxMail[]>;
  /** Every partner's mail, newest first: only the development mailbox reads it (never in production). */
  listAll(page: Page): Promise<OutboxMail[]>;
}

/** A named support contact as listed: one user of the org for one product. */
export interface SupportContact { product: string; userId: string; displayName: string; email: string }

export type AddSupportContactResult = 'added' | 'already' | 'quota_reached' | 'no_such_user';

/**
 * Named support contacts. The user record's `supportContactFor` is the one source of
 * truth (the import writes it); this repo lists it per org and changes it with the quota checked in
 * the same transaction, so two additions at once never exceed the quota.
 */
export interface SupportContactRepo {
  /** Contacts of the org, by product, then display name. */
  listByOrg(partnerId: string, orgId: string): Promise<SupportContact[]>;
  /** Makes the org's user a contact for `product` unless the org already has `quota` contacts for it. */
  add(partnerId: string, orgId: string, userId: string, product: string, quota: number): Promise<AddSupportContactResult>;
  /** True when the user was a contact for `product` and no longer is. */
  remove(partnerId: string, orgId: string, userId: string, product: string): Promise<boolean>;
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

/** Which records a lifecycle write may touch: a partner's only, or (no partnerId) any, for the operator's CLI. */
export interface LifecycleScope {
  partnerId?: string;
  at: Date;
}

/** What ending an org's relations took with it (its grants, requests and customer admins' sessions). */
export interface EndedAccess {
  grantsRevoked: number;
  requestsClosed: number;
  sessionsEnded: number;
}

export interface OrgDeletion extends EndedAccess {
  org: Org;
  users: number;
  devices: number;
}

export interface OrgTransfer extends EndedAccess {
  /** The org as it is now, under the new partner. */
  org: Org;
  fromPartnerId: string;
  users: number;
  devices: number;
}

/** What erasing a person's address removed (docs/data-lifecycle.md). */
export interface Erasure {
  users: User[];
  verifications: number;
  suppression: boolean;
  emailEvents: number;
  magicLinks: number;
}

export type LifecycleKind = 'org' | 'user' | 'device';

/**
 * Deletion, transfer and erasure (docs/data-lifecycle.md). Every write leaves a change row per
 * record it removed or moved, in the same transaction where the backend has them, so every search
 * index drops or moves the record as it does for an update. System use only: callers are the
 * import (scoped by partner when it has one) and the operator's CLI, never request data.
 */
export interface LifecycleRepo {
  /** Deletes the org with its users and devices, revokes its grants, closes its pending requests and
   * ends its customer admins' sessions; null when there is no such org (in scope). */
  deleteOrg(id: string, scope: LifecycleScope): Promise<OrgDeletion | null>;
  /** Deletes the user and their verifications; devices they owned keep no owner. Null when absent. */
  deleteUser(id: string, scope: LifecycleScope): Promise<User | null>;
  deleteDevice(id: string, scope: LifecycleScope): Promise<Device | null>;
  /**
   * Moves the org with its users and devices to another partner in one unit, and ends what the
   * old partner held on it (grants, pending requests, verifications pending, customer sessions).
   * Null when there is no such org; AppError invalid for an unknown partner, conflict when it is
   * the partner already.
   */
  transferOrg(id: string, toPartnerId: string, at: Date): Promise<OrgTransfer | null>;
  /** Ids of the partner's records of one kind, a batch at a time (a full sync's sweep); ids only, never records. */
  ids(kind: LifecycleKind, partnerId: string, batchSize: number): AsyncIterable<string[]>;
  /** Deletes every user with this address (any partner), their verifications, the suppression entry and email events. */
  eraseEmail(email: string): Promise<Erasure>;
  /**
   * Rewrites the audit events about these users or naming this address (as actor, subject or in
   * their detail) with `rewrite`; returns how many changed.
   */
  rewriteAudit(match: { userIds: string[]; email: string }, rewrite: (e: AuditEvent) => AuditEvent): Promise<number>;
}

export type RecentKind = 'user' | 'org' | 'device';

/** A record an agent opened, for the home page's "recent" list. */
export interface RecentItem { agentId: string; kind: RecentKind; id: string; openedAt: string }

/**
 * What each agent opened lately, kept per agent (so it follows the agent across browsers and app
 * processes). It holds only references: whoever lists them checks that the agent may still see each.
 */
export interface RecentRepo {
  /** Opening the same record again moves it to the top (one entry per agent, kind and id); only the agent's `keep` newest stay. */
  record(item: RecentItem, keep: number): Promise<void>;
  /** The agent's entries, newest first, at most `limit`. */
  list(agentId: string, limit: number): Promise<RecentItem[]>;
}

export interface Store {
  readonly name: string;
  partners: PartnerRepo;
  orgs: OrgRepo;
  users: UserRepo;
  devices: DeviceRepo;
  agents: AgentRepo;
  apiTokens: ApiTokenRepo;
  sessions: SessionRepo;
  passwordSetups: PasswordSetupRepo;
  audit: AuditRepo;
  retention: RetentionRepo;
  changes: ChangeRepo;
  rateLimits: RateLimitRepo;
  verifications: VerificationRepo;
  mailOutbox: MailOutboxRepo;
  supportContacts: SupportContactRepo;
  suppressions: SuppressionRepo;
  emailEvents: EmailEventRepo;
  replays: ReplayRepo;
  consentGrants: ConsentGrantRepo;
  accessRequests: AccessRequestRepo;
  magicLinks: MagicLinkRepo;
  grantReminders: GrantReminderRepo;
  lifecycle: LifecycleRepo;
  recents: RecentRepo;
  /** Throws when the backend does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `work` as one unit where the backend can (one SQLite transaction), so a bulk job such as
   * an import does not pay a commit per record. A write that fails inside `work` with an AppError
   * is undone alone (the others stay); any other failure undoes the whole unit. `work` must await
   * nothing but this store, so that no other request's writes interleave with it. On MongoDB a
   * batch is its writes in order, each atomic with its change row: for all or nothing, use transaction().
   */
  batch<T>(work: () => Promise<T>): Promise<T>;
  /**
   * All or nothing: every write in `work` commits together, or none does when `work` throws. One
   * SQLite transaction embedded; one multi-document transaction on MongoDB (a replica set, which the
   * adapter checks at connect). `work` may run more than once (MongoDB retries a transaction on a
   * transient conflict), so it reads and writes through this store only.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
}
