// MongooseStore: the Store port on MongoDB through mongoose, for production (docs/operations.md, "MongoDB"),
// composed from the mongoose adapter of each repository (src/store/<repository>/mongoose.ts). This file
// owns the connection (with its retries and the deployment check), the transactions and close; what
// every repository shares is in src/store/mongoose/context.ts. Same semantics as EmbeddedStore (the
// contract suite runs on both); what differs is spelled out where it happens.
import mongoose, { type Connection } from 'mongoose';
import { AppError, unavailable } from '../../errors';
import type {
  AccessRequestRepo, AgentRepo, ApiTokenRepo, AuditRepo, ChangeRepo, ConsentGrantRepo, DeviceRepo, EmailEventRepo,
  GrantReminderRepo, LifecycleRepo, MagicLinkRepo, MailOutboxRepo, OrgRepo, PartnerRepo, PasswordSetupRepo, RateLimitRepo,
  RecentRepo, ReplayRepo, RetentionRepo, SessionRepo, Store, SupportContactRepo, SuppressionRepo, UserRepo, VerificationRepo,
} from '../store';
import { mongoCompatibilityProblem } from './compatibility';
import { MongooseContext, toAppError } from './context';
import { createModels, type Models } from './schemas';
import * as agents from '../agents/mongoose';
import * as apiTokens from '../api-tokens/mongoose';
import * as audit from '../audit/mongoose';
import * as changes from '../changes/mongoose';
import * as consent from '../consent/mongoose';
import * as devices from '../devices/mongoose';
import * as lifecycle from '../lifecycle/mongoose';
import * as mailEvents from '../mail-events/mongoose';
import * as mailOutbox from '../mail-outbox/mongoose';
import * as orgs from '../orgs/mongoose';
import * as partners from '../partners/mongoose';
import * as passwordSetups from '../password-setups/mongoose';
import * as rateLimits from '../rate-limits/mongoose';
import * as recents from '../recents/mongoose';
import * as retention from '../retention/mongoose';
import * as sessions from '../sessions/mongoose';
import * as supportContacts from '../support-contacts/mongoose';
import * as users from '../users/mongoose';
import * as verifications from '../verifications/mongoose';

export { toAppError } from './context';
export { SETTLE_MS } from '../changes/mongoose';

/** What the store logs through: pino's logger and `console` both fit. */
export interface StoreLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface ConnectOptions {
  /** Attempts at the first connection before giving up (mongoose does not retry it by itself). */
  attempts?: number;
  /** Wait before the second attempt; doubles after each failure. */
  baseDelayMs?: number;
  /** How long an operation waits for a usable server before failing; short, so a request answers 503 quickly. */
  serverSelectionTimeoutMS?: number;
  /** Overrides the database named in the URI (the contract tests use a fresh one per run). */
  dbName?: string;
}

const DEFAULTS = { attempts: 6, baseDelayMs: 500, serverSelectionTimeoutMS: 5_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MongooseStore implements Store {
  readonly name = 'mongodb';
  readonly partners: PartnerRepo;
  readonly orgs: OrgRepo;
  readonly users: UserRepo;
  readonly devices: DeviceRepo;
  readonly agents: AgentRepo;
  readonly apiTokens: ApiTokenRepo;
  readonly sessions: SessionRepo;
  readonly audit: AuditRepo;
  readonly retention: RetentionRepo;
  readonly changes: ChangeRepo;
  readonly rateLimits: RateLimitRepo;
  readonly verifications: VerificationRepo;
  readonly mailOutbox: MailOutboxRepo;
  readonly supportContacts: SupportContactRepo;
  readonly passwordSetups: PasswordSetupRepo;
  readonly suppressions: SuppressionRepo;
  readonly emailEvents: EmailEventRepo;
  readonly replays: ReplayRepo;
  readonly consentGrants: ConsentGrantRepo;
  readonly accessRequests: AccessRequestRepo;
  readonly magicLinks: MagicLinkRepo;
  readonly grantReminders: GrantReminderRepo;
  readonly lifecycle: LifecycleRepo;
  readonly recents: RecentRepo;
  private readonly m: Models;
  private readonly ctx: MongooseContext;

  /**
   * Opens a connection of its own (never mongoose's global default connection) and retries the
   * first connection with exponential backoff: mongoose reconnects by itself after a connection
   * was once made, but not when the first attempt fails (e.g. the app starts before MongoDB).
   * Resolves once every collection and index exists, so unique and TTL indexes hold from the first write.
   */
  static async connect(uri: string, log: StoreLog = console, options: ConnectOptions = {}): Promise<MongooseStore> {
    const { attempts, baseDelayMs, serverSelectionTimeoutMS } = { ...DEFAULTS, ...options };
    // Inside connection.transaction() every mongoose operation then joins the transaction's session
    // by itself, so a repo method called within transaction() needs no session parameter. A setting
    // of the mongoose module, shared by every connection: set here, where MongoDB is chosen.
    mongoose.set('transactionAsyncLocalStorage', true);
    for (let attempt = 1; ; attempt++) {
      const conn = mongoose.createConnection(uri, {
        serverSelectionTimeoutMS,
        // Without buffering, an operation while MongoDB is down fails after serverSelectionTimeoutMS
        // (→ 503) instead of waiting in mongoose's queue for as long as the outage lasts.
        bufferCommands: false,
        autoIndex: true,
        autoCreate: true,
        ...(options.dbName ? { dbName: options.dbName } : {}),
      });
      try {
        await conn.asPromise();
        const store = new MongooseStore(conn, log);
        await store.init();
        return store;
      } catch (err) {
        await conn.close().catch(() => undefined);
        // Only an unreachable server is worth waiting for; a bad URI or wrong credentials stay wrong.
        const translated = toAppError(err);
        if (!(translated instanceof AppError && translated.code === 'unavailable')) throw err;
        if (attempt >= attempts) {
          throw unavailable(`MongoDB did not answer after ${attempts} attempts: ${(err as Error).message}`);
        }
        const delayMs = baseDelayMs * 2 ** (attempt - 1);
        // The URI may carry a password: it is never logged.
        log.warn({ attempt, attempts, delayMs, err: (err as Error).message }, 'MongoDB not reachable yet, retrying');
        await sleep(delayMs);
      }
    }
  }

  private constructor(readonly connection: Connection, private readonly log: StoreLog) {
    this.m = createModels(connection);
    const ctx = new MongooseContext(connection, this.m);
    this.ctx = ctx;
    connection.on('disconnected', () => log.warn({}, 'MongoDB connection lost; requests answer 503 until it is back'));
    connection.on('reconnected', () => log.info({}, 'MongoDB connection restored'));
    connection.on('error', (err: Error) => log.warn({ err: err.message }, 'MongoDB connection error'));
    this.partners = partners.mongoosePartnerRepo(ctx);
    this.orgs = orgs.mongooseOrgRepo(ctx);
    this.users = users.mongooseUserRepo(ctx);
    this.devices = devices.mongooseDeviceRepo(ctx);
    this.agents = agents.mongooseAgentRepo(ctx);
    this.apiTokens = apiTokens.mongooseApiTokenRepo(ctx);
    this.sessions = sessions.mongooseSessionRepo(ctx);
    this.audit = audit.mongooseAuditRepo(ctx);
    this.retention = retention.mongooseRetentionRepo(ctx);
    this.changes = changes.mongooseChangeRepo(ctx);
    this.rateLimits = rateLimits.mongooseRateLimitRepo(ctx);
    this.verifications = verifications.mongooseVerificationRepo(ctx);
    this.mailOutbox = mailOutbox.mongooseMailOutboxRepo(ctx);
    this.supportContacts = supportContacts.mongooseSupportContactRepo(ctx);
    this.passwordSetups = passwordSetups.mongoosePasswordSetupRepo(ctx);
    this.suppressions = mailEvents.mongooseSuppressionRepo(ctx);
    this.emailEvents = mailEvents.mongooseEmailEventRepo(ctx);
    this.replays = mailEvents.mongooseReplayRepo(ctx);
    this.consentGrants = consent.mongooseConsentGrantRepo(ctx);
    this.accessRequests = consent.mongooseAccessRequestRepo(ctx);
    this.magicLinks = consent.mongooseMagicLinkRepo(ctx);
    this.grantReminders = consent.mongooseGrantReminderRepo(ctx);
    this.lifecycle = lifecycle.mongooseLifecycleRepo(ctx);
    this.recents = recents.mongooseRecentRepo(ctx);
  }

  private async init(): Promise<void> {
    await Promise.all(Object.values(this.m).map((model) => model.init()));
    // Refused at start: on a standalone server every write and its outbox row would not commit
    // together, and the first transaction would fail at run time instead.
    const problem = mongoCompatibilityProblem(await this.ctx.db().command({ hello: 1 }));
    if (problem) throw new Error(problem);
  }

  async ping(): Promise<void> {
    await this.ctx.run(() => this.ctx.db().command({ ping: 1 }));
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /**
   * Each write already commits with its change row (one transaction each); a multi-document
   * transaction around a whole import batch would hold locks and hit MongoDB's 60 s transaction
   * limit for no gain, so a bulk write is simply its writes in order. All or nothing is transaction().
   */
  async bulk<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  /**
   * One multi-document transaction (a replica set's, checked at connect): every write in `work`
   * commits together or none does. MongoDB may run `work` again on a transient conflict, so it
   * must only read and write through this store.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.ctx.run(() => this.ctx.inTransaction(() => work()));
  }
}
