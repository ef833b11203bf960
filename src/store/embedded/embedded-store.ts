// EmbeddedStore: the Store port on one SQLite file (better-sqlite3) in DATA_DIR, composed from the
// embedded adapter of each repository (src/store/<repository>/embedded.ts). This file owns what they
// share: the file (created private), its pragmas, the tables, the transactions and close.
// Durable (WAL journal), unique constraints enforced by SQLite, expiry checked on read and purged,
// and safe to share between processes on one machine (the app and an `import` run by the CLI).
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateFile, PRIVATE_DIR_MODE, restrictFiles } from '../../data-dir';
import type {
  AccessRequestRepo, AgentRepo, ApiTokenRepo, AuditRepo, ChangeRepo, ChangedEntity, ConsentGrantRepo, DeviceRepo,
  EmailEventRepo, GrantReminderRepo, LifecycleRepo, MagicLinkRepo, MailOutboxRepo, OrgRepo, PartnerRepo,
  PasswordSetupRepo, RateLimitRepo, RecentRepo, ReplayRepo, RetentionRepo, SessionRepo, Store, SupportContactRepo,
  SuppressionRepo, UserRepo, VerificationRepo,
} from '../store';
import { SqliteContext } from './context';
import { translateOutages } from './sqlite-outage';
import * as agents from '../agents/embedded';
import * as apiTokens from '../api-tokens/embedded';
import * as audit from '../audit/embedded';
import * as changes from '../changes/embedded';
import * as consent from '../consent/embedded';
import * as devices from '../devices/embedded';
import * as lifecycle from '../lifecycle/embedded';
import * as mailEvents from '../mail-events/embedded';
import * as mailOutbox from '../mail-outbox/embedded';
import * as orgs from '../orgs/embedded';
import * as partners from '../partners/embedded';
import * as passwordSetups from '../password-setups/embedded';
import * as rateLimits from '../rate-limits/embedded';
import * as recents from '../recents/embedded';
import * as retention from '../retention/embedded';
import * as sessions from '../sessions/embedded';
import * as supportContacts from '../support-contacts/embedded';
import * as users from '../users/embedded';
import * as verifications from '../verifications/embedded';

/** Every repository's tables, in this order (an index on another repository's table comes after it). */
const SCHEMAS = [
  partners.SCHEMA, orgs.SCHEMA, users.SCHEMA, devices.SCHEMA, agents.SCHEMA, apiTokens.SCHEMA, sessions.SCHEMA,
  passwordSetups.SCHEMA, audit.SCHEMA, changes.SCHEMA, rateLimits.SCHEMA, verifications.SCHEMA, mailOutbox.SCHEMA,
  mailEvents.SCHEMA, consent.SCHEMA, retention.SCHEMA, recents.SCHEMA,
];

export class EmbeddedStore implements Store {
  readonly name = 'embedded';
  readonly db: Database.Database;
  readonly partners: PartnerRepo;
  readonly orgs: OrgRepo;
  readonly users: UserRepo;
  readonly devices: DeviceRepo;
  readonly agents: AgentRepo;
  readonly apiTokens: ApiTokenRepo;
  readonly sessions: SessionRepo;
  readonly passwordSetups: PasswordSetupRepo;
  readonly audit: AuditRepo;
  readonly retention: RetentionRepo;
  readonly changes: ChangeRepo;
  readonly rateLimits: RateLimitRepo;
  readonly verifications: VerificationRepo;
  readonly mailOutbox: MailOutboxRepo;
  readonly supportContacts: SupportContactRepo;
  readonly suppressions: SuppressionRepo;
  readonly emailEvents: EmailEventRepo;
  readonly replays: ReplayRepo;
  readonly consentGrants: ConsentGrantRepo;
  readonly accessRequests: AccessRequestRepo;
  readonly magicLinks: MagicLinkRepo;
  readonly grantReminders: GrantReminderRepo;
  readonly lifecycle: LifecycleRepo;
  readonly recents: RecentRepo;
  private readonly sqlite: SqliteContext;
  /** Appends a change row; every repository reaches it through SqliteContext.recordChange. */
  private recordChange: (entity: ChangedEntity, id: string) => void;

  /** `file` is a path, or ':memory:' for a throwaway store. */
  constructor(readonly file: string) {
    // SQLite gives the WAL and shared-memory files the mode of the database file: created 0600
    // first, all three stay owner-only (src/data-dir.ts).
    if (file !== ':memory:') {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
      createPrivateFile(file);
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    if (file !== ':memory:') restrictFiles([`${file}-wal`, `${file}-shm`]);
    // NORMAL in WAL mode loses no committed transaction on a process crash, only on power loss.
    this.db.pragma('synchronous = NORMAL');
    // Another process (the CLI importing while the app runs) may hold the write lock briefly.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    for (const schema of SCHEMAS) this.db.exec(schema);
    // Looked up on every write, so that replacing this.recordChange (test/faults/store-down.test.ts) reaches every repository.
    const ctx = new SqliteContext(this.db, (entity, id) => this.recordChange(entity, id));
    this.sqlite = ctx;
    this.recordChange = changes.embeddedChangeWriter(ctx);
    this.partners = partners.embeddedPartnerRepo(ctx);
    this.orgs = orgs.embeddedOrgRepo(ctx);
    this.users = users.embeddedUserRepo(ctx);
    this.devices = devices.embeddedDeviceRepo(ctx);
    this.agents = agents.embeddedAgentRepo(ctx);
    this.apiTokens = apiTokens.embeddedApiTokenRepo(ctx);
    this.sessions = sessions.embeddedSessionRepo(ctx);
    this.passwordSetups = passwordSetups.embeddedPasswordSetupRepo(ctx);
    this.audit = audit.embeddedAuditRepo(ctx);
    this.retention = retention.embeddedRetentionRepo(ctx);
    this.changes = changes.embeddedChangeRepo(ctx);
    this.rateLimits = rateLimits.embeddedRateLimitRepo(ctx);
    this.verifications = verifications.embeddedVerificationRepo(ctx);
    this.mailOutbox = mailOutbox.embeddedMailOutboxRepo(ctx);
    this.supportContacts = supportContacts.embeddedSupportContactRepo(ctx);
    this.suppressions = mailEvents.embeddedSuppressionRepo(ctx);
    this.emailEvents = mailEvents.embeddedEmailEventRepo(ctx);
    this.replays = mailEvents.embeddedReplayRepo(ctx);
    this.consentGrants = consent.embeddedConsentGrantRepo(ctx);
    this.accessRequests = consent.embeddedAccessRequestRepo(ctx);
    this.magicLinks = consent.embeddedMagicLinkRepo(ctx);
    this.grantReminders = consent.embeddedGrantReminderRepo(ctx);
    this.lifecycle = lifecycle.embeddedLifecycleRepo(ctx);
    this.recents = recents.embeddedRecentRepo(ctx);
    // Last, so that it covers every repo above.
    translateOutages(this);
  }

  async ping(): Promise<void> {
    this.sqlite.sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /**
   * Repo writes are single statements or db.transaction()s, which become savepoints inside this
   * transaction: a record that fails rolls back alone. `work` resolves within microtasks when it awaits only this
   * store (its methods run synchronously), so no I/O callback can run inside the transaction.
   */
  async bulk<T>(work: () => Promise<T>): Promise<T> {
    return this.transaction(work);
  }

  /** One SQLite transaction (a bulk write is one too): a failure that escapes `work` rolls every write of it back. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.db.inTransaction) return work();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
}
