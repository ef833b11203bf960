// The Store port: one repository per kind of record, composed here. Plain objects in and out; every
// read of customer data is scoped by the caller's partner, so a record of another tenant answers
// exactly like a missing one (null). Each repository lives in its own folder, src/store/<repository>/:
// port.ts (records and interface), embedded.ts (SQLite), mongoose.ts and mongoose.schema.ts (MongoDB);
// its contract cases are in test/contract/store/ (docs/architecture.md, "The store").
import type { PartnerRepo } from './partners/port';
import type { OrgRepo } from './orgs/port';
import type { UserRepo } from './users/port';
import type { DeviceRepo } from './devices/port';
import type { SupportContactRepo } from './support-contacts/port';
import type { AgentRepo } from './agents/port';
import type { PasswordSetupRepo } from './password-setups/port';
import type { ApiTokenRepo } from './api-tokens/port';
import type { SessionRepo } from './sessions/port';
import type { AuditRepo } from './audit/port';
import type { ChangeRepo } from './changes/port';
import type { RateLimitRepo } from './rate-limits/port';
import type { VerificationRepo } from './verifications/port';
import type { MailOutboxRepo } from './mail-outbox/port';
import type { SuppressionRepo, EmailEventRepo, ReplayRepo } from './mail-events/port';
import type { ConsentGrantRepo, AccessRequestRepo, MagicLinkRepo, GrantReminderRepo } from './consent/port';
import type { RetentionRepo } from './retention/port';
import type { LifecycleRepo } from './lifecycle/port';
import type { RecentRepo } from './recents/port';

export * from './common';
// Every repository's records and interface (the list is records.ts's).
export * from './records';

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
   * A bulk write (an import's batch of records, a full sync's sweep, an erasure's steps): runs `work`
   * as one unit where the backend can (one SQLite transaction), so it does not pay a commit per
   * record. A write that fails inside `work` with an AppError is undone alone (the others stay); any
   * other failure undoes the whole unit. `work` must await nothing but this store, so that no other
   * request's writes interleave with it. On MongoDB a bulk write is its writes in order, each atomic
   * with its change row: it is not all or nothing there. For all or nothing, use transaction().
   */
  bulk<T>(work: () => Promise<T>): Promise<T>;
  /**
   * All or nothing: every write in `work` commits together, or none does when `work` throws. One
   * SQLite transaction embedded; one multi-document transaction on MongoDB (a replica set, which the
   * adapter checks at connect). `work` may run more than once (MongoDB retries a transaction on a
   * transient conflict), so it reads and writes through this store only.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
}
