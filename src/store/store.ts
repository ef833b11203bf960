// The Store port. Plain objects in and out; every read of customer data is scoped by the
// caller's partner, so a record of another tenant answers exactly like a missing one (null).
// Both adapters pass test/contract/store.contract.ts.
import type {
  Agent, ApiToken, AuditEvent, Change, Device, Org, OutboxMail, Partner, SessionRecord, User, Verification,
} from './records';

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

export interface OrgRepo {
  upsert(org: Org): Promise<void>;
  get(partnerId: string, id: string): Promise<Org | null>;
  count(partnerId?: string): Promise<number>;
  /** System use only (the search indexer), never with ids from a request: not scoped by partner. */
  getByIds(ids: string[]): Promise<Org[]>;
  /** Every org in id order, in batches (reindex). */
  scan(batchSize: number): AsyncIterable<Org[]>;
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
  count(partnerId?: string): Promise<number>;
  /** System use only (the search indexer), never with ids from a request: not scoped by partner. */
  getByIds(ids: string[]): Promise<User[]>;
  scan(batchSize: number): AsyncIterable<User[]>;
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
  scan(batchSize: number): AsyncIterable<Device[]>;
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
  limit: number;
  offset: number;
}

export interface AuditRepo {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  query(q: AuditQuery): Promise<{ events: AuditEvent[]; total: number }>;
}

export interface ChangeRepo {
  /** Changes with seq > after, oldest first. */
  listAfter(after: number, limit: number): Promise<Change[]>;
  latestSeq(): Promise<number>;
  /** Appends an 'all' change: followers rebuild their index from the store. */
  requestRebuild(): Promise<void>;
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
}

/** A named support contact as listed: one user of the org for one product. */
export interface SupportContact { product: string; userId: string; displayName: string; email: string }

export type AddSupportContactResult = 'added' | 'already' | 'quota_reached' | 'no_such_user';

/**
 * Named support contacts (spec 2, 3.7). The user record's `supportContactFor` is the one source of
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

export interface Store {
  readonly name: string;
  partners: PartnerRepo;
  orgs: OrgRepo;
  users: UserRepo;
  devices: DeviceRepo;
  agents: AgentRepo;
  apiTokens: ApiTokenRepo;
  sessions: SessionRepo;
  audit: AuditRepo;
  changes: ChangeRepo;
  rateLimits: RateLimitRepo;
  verifications: VerificationRepo;
  mailOutbox: MailOutboxRepo;
  supportContacts: SupportContactRepo;
  /** Throws when the backend does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
