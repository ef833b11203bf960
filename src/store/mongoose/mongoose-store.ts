// MongooseStore: the Store port on MongoDB through mongoose, for production (docs/operations.md, "MongoDB").
// Same semantics as EmbeddedStore (the contract suite runs on both); what differs is spelled out where
// it happens: connection handling, transactions, and the change outbox's sequence numbers.
import type { AsyncLocalStorage } from 'node:async_hooks';
import mongoose, { type ClientSession, type Connection } from 'mongoose';
import { AppError, STORE_RETRY_AFTER_S, conflict, invalid, unavailable, type FieldError } from '../../errors';
import type {
  AccessRequest, AccessRequestRepo, AddSupportContactResult, Agent, AgentRepo, ApiToken, ApiTokenRepo, AuditEvent,
  AuditQuery, AuditRepo, Change, ChangeRepo, ChangedEntity, ConsentGrant, ConsentGrantRepo, Device, DeviceRepo,
  EmailEvent, EmailEventRepo, GrantReminderRepo, LastEmail, MagicLink, MagicLinkRepo, MailOutboxRepo, RetentionRepo, Org, OrgRepo,
  OutboxMail, Partner, PartnerRepo, RecentKind, RecentRepo, PasswordSetup, PasswordSetupRepo, RateLimitRepo, ReplayRepo, ScanPart, SessionRecord,
  SessionRepo, Store, Suppression, SuppressionRepo, SupportContact, SupportContactRepo, User, UserRepo, Verification,
  VerificationRepo,
} from '../store';
import { mongoCompatibilityProblem } from './compatibility';
import { createModels, type Models } from './schemas';
import type { LifecycleRepo } from '../store';
import { mongooseLifecycleRepo } from './mongoose-lifecycle';

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

/**
 * How long a gap in the outbox's sequence may stay open before listAfter steps over it.
 *
 * A writer takes its seq from the `counters` document ($inc, outside its transaction, so writers
 * never queue behind one another on that document) and commits the change row a moment later, so
 * seq 11 can become visible before seq 10. An indexer that read 11 and moved its cursor past 10
 * would never see 10. listAfter therefore stops at the first missing seq until the change after it
 * was written SETTLE_MS ago (by the server's clock, $$NOW, so app hosts' clocks do not matter): a
 * writer takes its seq right before inserting the row and committing, which takes milliseconds, so
 * by then the missing seq is either visible or will never be (its transaction aborted: gaps are
 * normal and harmless). The cost is that a permanent gap delays the changes behind it by SETTLE_MS,
 * once. This was chosen over re-reading an overlap in the indexer because it keeps the port's
 * promise ("seq > after, oldest first, nothing skipped") inside the adapter that breaks it. A write
 * slower than SETTLE_MS (a stalled primary, a long lock wait) would still be stepped over: the
 * indexer logs every gap it steps over and looks for it again for GAP_RECHECK_MS
 * (src/search-index/indexer.ts), so such a change is applied late instead of lost.
 */
export const SETTLE_MS = 5_000;

const DEFAULTS = { attempts: 6, baseDelayMs: 500, serverSelectionTimeoutMS: 5_000 };

/** Error classes that mean MongoDB is out of reach (down, failing over, or the connection closed). */
const UNREACHABLE: Array<abstract new (...args: never[]) => Error> = [
  mongoose.mongo.MongoServerSelectionError,
  mongoose.mongo.MongoNetworkError,
  mongoose.mongo.MongoNotConnectedError,
  mongoose.mongo.MongoTopologyClosedError,
  mongoose.Error.MongooseServerSelectionError,
];

/** Translates a MongoDB or mongoose error into the app's error; anything else is returned unchanged. */
export function toAppError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if ((err as { code?: unknown } | null)?.code === 11000) {
    const fields = Object.keys((err as { keyPattern?: object }).keyPattern ?? {});
    return conflict(`A record with this ${fields.join(', ') || 'key'} already exists.`);
  }
  if (err instanceof mongoose.Error.ValidationError) {
    const fields: FieldError[] = Object.entries(err.errors).map(([field, e]) => ({ field, message: describe(e.kind) }));
    return invalid(`Invalid ${fields.map((f) => f.field).join(', ')}`, fields);
  }
  if (err instanceof mongoose.Error.CastError) {
    return invalid(`Invalid ${err.path}`, [{ field: err.path, message: describe(err.kind) }]);
  }
  if (UNREACHABLE.some((cls) => err instanceof cls)) {
    return unavailable('The database is not answering. Try again in a moment.', STORE_RETRY_AFTER_S);
  }
  return err;
}

// Field messages name the rule, never echo the value: it may be anything a client sent.
function describe(kind: string): string {
  if (kind === 'required') return 'is required';
  if (kind === 'enum') return 'is not one of the allowed values';
  if (kind === 'min' || kind === 'max') return 'is out of range';
  return `must be a valid ${kind.toLowerCase()}`;
}

type Lean = Record<string, unknown>;

/** A lean document as a port record: MongoDB's own fields stay inside the adapter. */
function plain<T>(doc: Lean): T {
  const { _id, __v, ...rest } = doc;
  return rest as T;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();
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
    connection.on('disconnected', () => log.warn({}, 'MongoDB connection lost; requests answer 503 until it is back'));
    connection.on('reconnected', () => log.info({}, 'MongoDB connection restored'));
    connection.on('error', (err: Error) => log.warn({ err: err.message }, 'MongoDB connection error'));
    this.partners = this.partnerRepo();
    this.orgs = this.orgRepo();
    this.users = this.userRepo();
    this.devices = this.deviceRepo();
    this.agents = this.agentRepo();
    this.apiTokens = this.apiTokenRepo();
    this.sessions = this.sessionRepo();
    this.audit = this.auditRepo();
    this.retention = this.retentionRepo();
    this.changes = this.changeRepo();
    this.rateLimits = this.rateLimitRepo();
    this.verifications = this.verificationRepo();
    this.mailOutbox = this.mailOutboxRepo();
    this.supportContacts = this.supportContactRepo();
    this.passwordSetups = this.passwordSetupRepo();
    this.suppressions = this.suppressionRepo();
    this.emailEvents = this.emailEventRepo();
    this.replays = this.replayRepo();
    this.consentGrants = this.consentGrantRepo();
    this.accessRequests = this.accessRequestRepo();
    this.magicLinks = this.magicLinkRepo();
    this.grantReminders = this.grantReminderRepo();
    this.lifecycle = mongooseLifecycleRepo({
      m: this.m,
      unit: (body) => this.run(() => this.connection.transaction((session) => body(session))),
      appendChange: (entity, id, session) => this.appendChange(entity, id, session),
      read: (op) => this.run(op),
    });
    this.recents = this.recentRepo();
  }

  private async init(): Promise<void> {
    await Promise.all(Object.values(this.m).map((model) => model.init()));
    // Refused at start: on a standalone server every write and its outbox row would not commit
    // together, and the first transaction would fail at run time instead.
    const problem = mongoCompatibilityProblem(await this.db().command({ hello: 1 }));
    if (problem) throw new Error(problem);
  }

  async ping(): Promise<void> {
    await this.run(() => this.db().command({ ping: 1 }));
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /**
   * Each write already commits with its change row (one transaction each); a multi-document
   * transaction around a whole import batch would hold locks and hit MongoDB's 60 s transaction
   * limit for no gain, so a batch is simply its writes in order. All or nothing is transaction().
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  /**
   * One multi-document transaction (a replica set's, checked at connect): every write in `work`
   * commits together or none does. MongoDB may run `work` again on a transient conflict, so it
   * must only read and write through this store.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.run(() => this.inTransaction(() => work()));
  }

  /**
   * Runs `body` in the transaction already open in this call chain (transaction() above), or in a
   * new one: a write's own transaction never opens a second, separate one inside another.
   */
  private async inTransaction<T>(body: (session: ClientSession) => Promise<T>): Promise<T> {
    const open = (mongoose as unknown as { transactionAsyncLocalStorage?: AsyncLocalStorage<{ session?: ClientSession }> })
      .transactionAsyncLocalStorage?.getStore()?.session;
    if (open) return body(open);
    return this.connection.transaction((session) => body(session));
  }

  private db() {
    const db = this.connection.db;
    if (!db) throw unavailable('The database connection is closed.');
    return db;
  }

  /** Runs one port operation and translates whatever MongoDB or mongoose throws. */
  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw toAppError(err);
    }
  }

  /** Validates a record against its schema before anything is written. */
  private async validate(model: mongoose.Model<any>, record: object): Promise<void> {
    await new model(record, null, { skipId: true }).validate();
  }

  /**
   * Writes a record and its change-outbox row together: in one transaction where the server has
   * them, so the index can never miss a committed change (see SETTLE_MS for the order of seqs).
   * `write` answers false when it changed nothing, and then no change row is written.
   */
  private async withChange(entity: ChangedEntity, id: string, write: (session?: ClientSession) => Promise<boolean | void>) {
    const body = async (session?: ClientSession) => {
      if ((await write(session)) === false) return;
      await this.appendChange(entity, id, session);
    };
    await this.inTransaction(body);
  }

  private async appendChange(entity: ChangedEntity, id: string, session?: ClientSession): Promise<void> {
    // Taken outside the session on purpose: inside the transaction every writer would conflict on
    // the counter document. A seq whose transaction then aborts is a harmless gap. session(null):
    // not the transaction's, which mongoose would otherwise attach by itself (see connect()).
    const counter = await this.m.Counter.findOneAndUpdate(
      { _id: 'changes' }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' },
    ).session(null).lean<{ seq: number }>();
    const seq = counter!.seq;
    // An upsert with an update pipeline, so writtenAt is the server's $$NOW; $literal keeps an id
    // that starts with '$' from being read as a field path.
    await this.m.Change.updateOne(
      { seq },
      [{ $set: { entity: { $literal: entity }, id: { $literal: id }, at: { $literal: new Date() }, writtenAt: '$$NOW' } }],
      { upsert: true, updatePipeline: true, setDefaultsOnInsert: false, session },
    );
  }

  private async orgPartner(orgId: string, session?: ClientSession): Promise<string> {
    const org = await this.m.Org.findOne({ id: orgId }, { partnerId: 1 }).session(session ?? null).lean<{ partnerId: string }>();
    if (!org) throw invalid(`orgId: no org with id ${orgId}`, [{ field: 'orgId', message: 'unknown org' }]);
    return org.partnerId;
  }

  private async *scan<T>(model: mongoose.Model<any>, batchSize: number, part: ScanPart = { index: 0, of: 1 }): AsyncIterable<T[]> {
    // Parts by ranges of the id's first character; ids are UUIDs, so hex digits split them evenly.
    // The first part starts at '' and the last has no end: any id is in exactly one part.
    const bound = (k: number) => '0123456789abcdef'[Math.floor((16 * k) / part.of)]!;
    const upto = part.index + 1 < part.of ? { $lt: bound(part.index + 1) } : {};
    let from: object = part.index > 0 ? { $gte: bound(part.index) } : { $gt: '' };
    for (;;) {
      const rows = await this.run(() => model.find({ id: { ...from, ...upto } }).sort({ id: 1 }).limit(batchSize).lean<Lean[]>());
      if (rows.length === 0) return;
      from = { $gt: rows[rows.length - 1].id as string };
      yield rows.map((r) => plain<T>(r));
    }
  }

  private getByIds<T>(model: mongoose.Model<any>, ids: string[]): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.run(async () => (await model.find({ id: { $in: ids } }).sort({ id: 1 }).lean<Lean[]>()).map((r) => plain<T>(r)));
  }

  private findOne<T>(model: mongoose.Model<any>, filter: object): Promise<T | null> {
    return this.run(async () => {
      const doc = await model.findOne(filter).lean<Lean>();
      return doc ? plain<T>(doc) : null;
    });
  }

  private findMany<T>(model: mongoose.Model<any>, filter: object, sort: Record<string, 1 | -1>, page?: { limit: number; offset: number }) {
    return this.run(async () => {
      let query = model.find(filter).sort(sort);
      if (page) query = query.skip(page.offset).limit(page.limit);
      return (await query.lean<Lean[]>()).map((r) => plain<T>(r));
    });
  }

  private countDocs(model: mongoose.Model<any>, filter: object): Promise<number> {
    return this.run(() => model.countDocuments(filter));
  }

  private partnerRepo(): PartnerRepo {
    const { Partner } = this.m;
    return {
      upsert: (p) => this.run(async () => {
        await this.validate(Partner, p);
        await Partner.replaceOne({ id: p.id }, p, { upsert: true });
      }),
      get: (id) => this.findOne<Partner>(Partner, { id }),
      list: () => this.findMany<Partner>(Partner, {}, { id: 1 }),
    };
  }

  private orgRepo(): OrgRepo {
    const { Org, Partner } = this.m;
    const scoped = (partnerId?: string) => (partnerId === undefined ? {} : { partnerId });
    return {
      upsert: (org) => this.run(async () => {
        await this.validate(Org, org);
        await this.withChange('org', org.id, async (session) => {
          const existing = await Org.findOne({ id: org.id }, { partnerId: 1 }).session(session ?? null).lean<{ partnerId: string }>();
          // An org never moves between partners: that would hand one tenant's users to another.
          if (existing && existing.partnerId !== org.partnerId) throw conflict(`org ${org.id} belongs to another partner`);
          if (!(await Partner.exists({ id: org.partnerId }).session(session ?? null))) {
            throw invalid(`partnerId: no partner with id ${org.partnerId}`, [{ field: 'partnerId', message: 'unknown partner' }]);
          }
          await Org.replaceOne({ id: org.id }, org, { upsert: true, session });
        });
      }),
      get: (partnerId, id) => this.findOne<Org>(Org, { id, partnerId }),
      count: (partnerId) => this.countDocs(Org, scoped(partnerId)),
      getByIds: (ids) => this.getByIds<Org>(Org, ids),
      scan: (batchSize, part) => this.scan<Org>(Org, batchSize, part),
    };
  }

  private userRepo(): UserRepo {
    const { User } = this.m;
    const byDisplayName = { displayName: 1, id: 1 } as const;
    return {
      upsert: (input) => this.run(async () => {
        let saved: User | null = null;
        await this.withChange('user', input.id, async (session) => {
          const partnerId = await this.orgPartner(input.orgId, session);
          const user: User = { ...input, partnerId, email: normalizeEmail(input.email) };
          await this.validate(User, user);
          const existing = await User.findOne({ id: user.id }, { orgId: 1 }).session(session ?? null).lean<{ orgId: string }>();
          if (existing && existing.orgId !== user.orgId) throw conflict(`user ${user.id} belongs to another org`);
          await User.replaceOne({ id: user.id }, user, { upsert: true, session });
          saved = user;
        });
        return saved!;
      }),
      get: (partnerId, id) => this.findOne<User>(User, { id, partnerId }),
      listByOrg: (partnerId, orgId, page) => this.findMany<User>(User, { partnerId, orgId }, byDisplayName, page),
      countByOrg: (partnerId, orgId) => this.countDocs(User, { partnerId, orgId }),
      listAdmins: (partnerId, orgId) =>
        this.findMany<User>(User, { partnerId, orgId, 'roles.0': { $exists: true } }, byDisplayName),
      findByEmail: (partnerId, email) => this.findMany<User>(User, { partnerId, email: normalizeEmail(email) }, { id: 1 }),
      count: (partnerId) => this.countDocs(User, partnerId === undefined ? {} : { partnerId }),
      getByIds: (ids) => this.getByIds<User>(User, ids),
      scan: (batchSize, part) => this.scan<User>(User, batchSize, part),
      findFullAdminsByEmail: (email) =>
        this.findMany<User>(User, { email: normalizeEmail(email), roles: 'full_admin' }, { partnerId: 1, id: 1 }),
      recordLastEmail: (email, lastEmail, partnerId) => this.run(async () => {
        let updated = 0;
        const filter = { email: normalizeEmail(email), ...(partnerId ? { partnerId } : {}) };
        const ids = (await User.find(filter, { id: 1 }).lean<Array<{ id: string }>>()).map((u) => u.id);
        for (const id of ids) if (await this.recordLastEmailOf(id, lastEmail)) updated += 1;
        return updated;
      }),
    };
  }

  /**
   * Sets one user's lastEmail unless it already holds a newer one. The write is conditional on the
   * lastEmail that was read, so a concurrent event is never overwritten blindly: on a clash, read again.
   */
  private async recordLastEmailOf(id: string, lastEmail: LastEmail): Promise<boolean> {
    const { User } = this.m;
    const at = Date.parse(lastEmail.at);
    for (;;) {
      const user = await User.findOne({ id }, { lastEmail: 1 }).lean<{ lastEmail: LastEmail | null }>();
      if (!user) return false;
      const current = user.lastEmail ?? null;
      if (current && Date.parse(current.at) > at) return false;
      let applied = false;
      await this.withChange('user', id, async (session) => {
        const res = await User.updateOne(
          { id, ...(current ? { 'lastEmail.at': current.at } : { lastEmail: null }) },
          { $set: { lastEmail } },
          { session, runValidators: true },
        );
        applied = res.matchedCount === 1;
        return applied;
      });
      if (applied) return true;
    }
  }

  private deviceRepo(): DeviceRepo {
    const { Device, User } = this.m;
    return {
      upsert: (input) => this.run(async () => {
        let saved: Device | null = null;
        await this.withChange('device', input.id, async (session) => {
          const partnerId = await this.orgPartner(input.orgId, session);
          const device: Device = { ...input, partnerId };
          await this.validate(Device, device);
          if (device.ownerUserId) {
            const owner = await User.findOne({ id: device.ownerUserId }, { orgId: 1 }).session(session ?? null).lean<{ orgId: string }>();
            if (!owner || owner.orgId !== device.orgId) {
              throw invalid(`ownerUserId: no user ${device.ownerUserId} in org ${device.orgId}`,
                [{ field: 'ownerUserId', message: 'unknown user in this org' }]);
            }
          }
          const existing = await Device.findOne({ id: device.id }, { orgId: 1 }).session(session ?? null).lean<{ orgId: string }>();
          if (existing && existing.orgId !== device.orgId) throw conflict(`device ${device.id} belongs to another org`);
          await Device.replaceOne({ id: device.id }, device, { upsert: true, session });
          saved = device;
        });
        return saved!;
      }),
      get: (partnerId, id) => this.findOne<Device>(Device, { id, partnerId }),
      listByOrg: (partnerId, orgId, page) =>
        this.findMany<Device>(Device, { partnerId, orgId }, { displayName: 1, id: 1 }, page),
      countByOrg: (partnerId, orgId) => this.countDocs(Device, { partnerId, orgId }),
      listByOwner: (partnerId, ownerUserId) => this.findMany<Device>(Device, { partnerId, ownerUserId }, { id: 1 }),
      count: (partnerId) => this.countDocs(Device, partnerId === undefined ? {} : { partnerId }),
      getByIds: (ids) => this.getByIds<Device>(Device, ids),
      scan: (batchSize, part) => this.scan<Device>(Device, batchSize, part),
    };
  }

  private agentRepo(): AgentRepo {
    const { Agent } = this.m;
    const write = (agent: Agent, insert: boolean) => this.run(async () => {
      const record = { ...agent, email: normalizeEmail(agent.email) };
      await this.validate(Agent, record);
      try {
        if (insert) await Agent.create(record);
        else await Agent.replaceOne({ id: agent.id }, record);
      } catch (err) {
        if ((err as { code?: unknown }).code === 11000 && 'email' in ((err as { keyPattern?: object }).keyPattern ?? {})) {
          throw conflict(`An agent with email ${record.email} already exists.`);
        }
        throw err;
      }
    });
    return {
      create: (agent) => write(agent, true),
      update: (agent) => write(agent, false),
      get: (id) => this.findOne<Agent>(Agent, { id }),
      getByEmail: (email) => this.findOne<Agent>(Agent, { email: normalizeEmail(email) }),
      listByPartner: (partnerId) => this.findMany<Agent>(Agent, { partnerId }, { email: 1 }),
    };
  }

  private apiTokenRepo(): ApiTokenRepo {
    const { ApiToken } = this.m;
    return {
      create: (t) => this.run(async () => {
        await this.validate(ApiToken, t);
        await ApiToken.create(t);
      }),
      getByHash: (tokenHash) => this.findOne<ApiToken>(ApiToken, { tokenHash }),
      touch: (id, at) => this.run(async () => { await ApiToken.updateOne({ id }, { $set: { lastUsedAt: at } }); }),
      // One conditional update: the partner check and "not revoked yet" hold at the moment of writing.
      revoke: (partnerId, id, at) => this.run(async () =>
        (await ApiToken.updateOne({ id, partnerId, revokedAt: null }, { $set: { revokedAt: at } })).modifiedCount === 1),
      listByPartner: (partnerId) => this.findMany<ApiToken>(ApiToken, { partnerId }, { createdAt: -1 }),
    };
  }

  private sessionRepo(): SessionRepo {
    const { Session } = this.m;
    type Doc = { sid: string; agentId: string | null; data: string; expiresAt: Date };
    return {
      get: (sid, now) => this.run(async () => {
        const doc = await Session.findOne({ sid, expiresAt: { $gt: now } }).lean<Doc>();
        return doc ? { sid: doc.sid, agentId: doc.agentId ?? null, data: doc.data, expiresAt: doc.expiresAt.toISOString() } : null;
      }),
      set: (r: SessionRecord) => this.run(async () => {
        await Session.updateOne(
          { sid: r.sid },
          { $set: { agentId: r.agentId, data: r.data, expiresAt: new Date(r.expiresAt) } },
          { upsert: true, runValidators: true },
        );
      }),
      touch: (sid, expiresAt) => this.run(async () => {
        await Session.updateOne({ sid }, { $set: { expiresAt: new Date(expiresAt) } });
      }),
      destroy: (sid) => this.run(async () => { await Session.deleteOne({ sid }); }),
      destroyByAgent: (agentId) => this.run(async () => (await Session.deleteMany({ agentId })).deletedCount),
      purgeExpired: (now) => this.run(async () => (await Session.deleteMany({ expiresAt: { $lte: now } })).deletedCount),
    };
  }

  private auditRepo(): AuditRepo {
    const { AuditEvent } = this.m;
    return {
      append: (e) => this.run(async () => {
        await this.validate(AuditEvent, e);
        await AuditEvent.create(e);
      }),
      query: (q: AuditQuery) => this.run(async () => {
        const filter: Record<string, unknown> = { partnerId: q.partnerId };
        if (q.orgId) filter.orgId = q.orgId;
        if (q.actorId) filter.actorId = q.actorId;
        if (q.subject) filter.subject = q.subject;
        if (q.action) filter.action = q.action;
        if (q.from || q.to) filter.at = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lt: q.to } : {}) };
        const and: Record<string, unknown>[] = [];
        if (q.orgIds) and.push({ orgId: { $in: q.orgIds } });
        if (q.actorIds) and.push({ actorId: { $in: q.actorIds } });
        if (q.subjects) and.push({ subject: { $in: q.subjects } });
        if (q.actions) and.push({ action: { $in: q.actions } });
        if (q.actionPrefix) and.push({ action: { $regex: `^${q.actionPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.|$)` } });
        if (and.length) filter.$and = and;
        const [total, rows] = await Promise.all([
          AuditEvent.countDocuments(filter),
          AuditEvent.find(filter).sort({ at: -1, id: -1 }).skip(q.offset).limit(q.limit).lean<Lean[]>(),
        ]);
        return { events: rows.map((r) => plain<AuditEvent>(r)), total };
      }),
    };
  }

  private changeRepo(): ChangeRepo {
    const { Change, Counter } = this.m;
    type Row = { seq: number; entity: ChangedEntity; id: string; at: Date; settled: boolean };
    return {
      listAfter: (after, limit) => this.run(async () => {
        const rows = await Change.aggregate<Row>([
          { $match: { seq: { $gt: after } } },
          { $sort: { seq: 1 } },
          { $limit: limit },
          { $project: {
            _id: 0, seq: 1, entity: 1, id: 1, at: 1,
            settled: { $lte: ['$writtenAt', { $subtract: ['$$NOW', SETTLE_MS] }] },
          } },
        ]);
        const out: Change[] = [];
        let expected = after + 1;
        for (const row of rows) {
          if (row.seq !== expected && !row.settled) break;
          out.push({ seq: row.seq, entity: row.entity, id: row.id, at: row.at.toISOString() });
          expected = row.seq + 1;
        }
        return out;
      }),
      latestSeq: () => this.run(async () => {
        const last = await Change.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean<{ seq: number }>();
        if (last) return last.seq;
        // Everything was pruned: the counter still says how far the sequence went.
        const counter = await Counter.findById('changes').lean<{ seq: number }>();
        return counter?.seq ?? 0;
      }),
      requestRebuild: () => this.run(() => this.appendChange('all', '*')),
      getCursor: (consumer) => this.run(async () =>
        (await Counter.findById(`cursor:${consumer}`).lean<{ seq: number }>())?.seq ?? null),
      // $max keeps the cursor monotonic when several app processes save it.
      saveCursor: (consumer, seq) => this.run(async () => {
        await Counter.updateOne({ _id: `cursor:${consumer}` }, { $max: { seq } }, { upsert: true });
      }),
      prune: (before) => this.run(async () => (await Change.deleteMany({ at: { $lt: before } })).deletedCount),
    };
  }

  private verificationRepo(): VerificationRepo {
    const { Verification } = this.m;
    type Doc = Omit<Verification, 'expiresAt'> & { expiresAt: Date };
    const out = (doc: Doc | null): Verification | null =>
      (doc ? { ...plain<Doc>(doc as unknown as Lean), expiresAt: doc.expiresAt.toISOString() } : null);
    return {
      create: (v) => this.run(async () => {
        const record = { ...v, expiresAt: new Date(v.expiresAt) };
        await this.validate(Verification, record);
        const write = async (session?: ClientSession) => {
          // Only the newest code of a user may be answered: the caller reads the latest mail.
          await Verification.updateMany(
            { partnerId: v.partnerId, userId: v.userId, outcome: 'pending' },
            { $set: { outcome: 'voided', settledAt: v.createdAt } },
            { session },
          );
          await Verification.create([record], { session });
        };
        await this.inTransaction(write);
      }),
      get: (partnerId, id) => this.run(async () => out(await Verification.findOne({ id, partnerId }).lean<Doc>())),
      latestForUser: (partnerId, userId) => this.run(async () =>
        // _id (an ObjectId, increasing) breaks ties between codes sent in the same millisecond.
        out(await Verification.findOne({ partnerId, userId }).sort({ createdAt: -1, _id: -1 }).lean<Doc>())),
      attempt: (partnerId, id, a) => this.run(async () => {
        const at = a.now.toISOString();
        const last = { $gte: [{ $add: ['$attempts', 1] }, a.maxAttempts] };
        // One conditional write, like the embedded store's UPDATE … WHERE: of two correct answers at
        // once only the first still finds the code pending, so it is verified exactly once.
        const doc = await Verification.findOneAndUpdate(
          { id, partnerId, outcome: 'pending', expiresAt: { $gt: a.now }, attempts: { $lt: a.maxAttempts } },
          [{ $set: {
            attempts: { $add: ['$attempts', 1] },
            outcome: a.correct ? { $literal: 'verified' } : { $cond: [last, 'locked', 'pending'] },
            settledAt: a.correct ? { $literal: at } : { $cond: [last, { $literal: at }, '$settledAt'] },
          } }],
          { returnDocument: 'after', updatePipeline: true },
        ).lean<Doc>();
        return out(doc);
      }),
      void: (partnerId, id, at) => this.run(async () => {
        await Verification.updateOne(
          { id, partnerId, outcome: 'pending' }, { $set: { outcome: 'voided', settledAt: at.toISOString() } },
        );
      }),
    };
  }

  private mailOutboxRepo(): MailOutboxRepo {
    const { OutboxMail } = this.m;
    return {
      append: (mail) => this.run(async () => {
        await this.validate(OutboxMail, mail);
        await OutboxMail.create(mail);
      }),
      listByPartner: (partnerId, page) =>
        this.findMany<OutboxMail>(OutboxMail, { partnerId }, { createdAt: -1, _id: -1 }, page),
      listAll: (page) => this.findMany<OutboxMail>(OutboxMail, {}, { createdAt: -1, _id: -1 }, page),
    };
  }

  private supportContactRepo(): SupportContactRepo {
    const { Counter, User } = this.m;
    const userInOrg = (partnerId: string, orgId: string, userId: string, session?: ClientSession) =>
      User.findOne({ id: userId, partnerId, orgId }, { supportContactFor: 1 }).session(session ?? null)
        .lean<{ supportContactFor: string[] }>();
    return {
      listByOrg: (partnerId, orgId) => this.run(() => User.aggregate<SupportContact>([
        { $match: { partnerId, orgId, 'supportContactFor.0': { $exists: true } } },
        { $unwind: '$supportContactFor' },
        { $project: { _id: 0, product: '$supportContactFor', userId: '$id', displayName: 1, email: 1 } },
        { $sort: { product: 1, displayName: 1, userId: 1 } },
      ])),
      add: (partnerId, orgId, userId, product, quota) => this.run(async () => {
        let result: AddSupportContactResult = 'no_such_user';
        await this.withChange('user', userId, async (session) => {
          const user = await userInOrg(partnerId, orgId, userId, session);
          if (!user) { result = 'no_such_user'; return false; }
          if (user.supportContactFor.includes(product)) { result = 'already'; return false; }
          // Two additions for different users would each count quota - 1 and both commit (snapshot
          // isolation allows that write skew). Both also write this one document, so the second
          // transaction conflicts, is retried, and counts again.
          await Counter.updateOne(
            { _id: `support-contacts:${orgId}:${product}` }, { $inc: { seq: 1 } }, { upsert: true, session },
          );
          const taken = await User.countDocuments({ partnerId, orgId, supportContactFor: product }).session(session ?? null);
          if (taken >= quota) { result = 'quota_reached'; return false; }
          await User.updateOne({ id: userId, partnerId, orgId }, { $addToSet: { supportContactFor: product } }, { session });
          result = 'added';
          return true;
        });
        return result;
      }),
      remove: (partnerId, orgId, userId, product) => this.run(async () => {
        let removed = false;
        await this.withChange('user', userId, async (session) => {
          const res = await User.updateOne(
            { id: userId, partnerId, orgId, supportContactFor: product }, { $pull: { supportContactFor: product } }, { session },
          );
          removed = res.modifiedCount === 1;
          return removed;
        });
        return removed;
      }),
    };
  }

  private passwordSetupRepo(): PasswordSetupRepo {
    const { PasswordSetup } = this.m;
    type Doc = Omit<PasswordSetup, 'expiresAt'> & { expiresAt: Date };
    const out = (doc: Doc | null): PasswordSetup | null =>
      (doc ? { ...plain<Doc>(doc as unknown as Lean), expiresAt: doc.expiresAt.toISOString() } : null);
    return {
      create: (setup) => this.run(async () => {
        const record = { ...setup, expiresAt: new Date(setup.expiresAt) };
        await this.validate(PasswordSetup, record);
        const write = async (session?: ClientSession) => {
          // A voided link is marked used: it can never be consumed, and it stays for the record.
          await PasswordSetup.updateMany(
            { agentId: setup.agentId, usedAt: null }, { $set: { usedAt: setup.createdAt } }, { session },
          );
          await PasswordSetup.create([record], { session });
        };
        await this.inTransaction(write);
      }),
      find: (tokenHash, now) => this.run(async () =>
        out(await PasswordSetup.findOne({ tokenHash, usedAt: null, expiresAt: { $gt: now } }).lean<Doc>())),
      // One conditional write: of two submissions of the same link, exactly one gets the link back.
      consume: (tokenHash, now) => this.run(async () => out(await PasswordSetup.findOneAndUpdate(
        { tokenHash, usedAt: null, expiresAt: { $gt: now } },
        { $set: { usedAt: now.toISOString() } },
        { returnDocument: 'after' },
      ).lean<Doc>())),
    };
  }

  private suppressionRepo(): SuppressionRepo {
    const { Suppression } = this.m;
    return {
      get: (email) => this.findOne<Suppression>(Suppression, { email: normalizeEmail(email) }),
      upsert: (entry) => this.run(async () => {
        const suppression = { ...entry, email: normalizeEmail(entry.email) };
        await this.validate(Suppression, suppression);
        await Suppression.replaceOne({ email: suppression.email }, suppression, { upsert: true });
      }),
      remove: (email) => this.run(async () => {
        const doc = await Suppression.findOneAndDelete({ email: normalizeEmail(email) }).lean<Lean>();
        return doc ? plain<Suppression>(doc) : null;
      }),
    };
  }

  private emailEventRepo(): EmailEventRepo {
    const { EmailEvent } = this.m;
    const out = (doc: Lean | null) => {
      if (!doc) return null;
      const { atTime, ...event } = plain<EmailEvent & { atTime: Date }>(doc);
      return event as EmailEvent;
    };
    return {
      append: (e) => this.run(async () => {
        const record = { ...e, email: normalizeEmail(e.email), atTime: new Date(e.at) };
        await this.validate(EmailEvent, record);
        try {
          await EmailEvent.create(record);
          return true;
        } catch (err) {
          if ((err as { code?: unknown }).code === 11000) return false;
          throw err;
        }
      }),
      latest: (email) => this.run(async () =>
        out(await EmailEvent.findOne({ email: normalizeEmail(email) }).sort({ atTime: -1, _id: -1 }).lean<Lean>())),
    };
  }

  private replayRepo(): ReplayRepo {
    const { Replay } = this.m;
    return {
      // Matches only an absent or expired claim; a live one makes the upsert's insert hit the unique
      // key instead, which is the "seen before" answer. One atomic operation across processes.
      claim: (key, expiresAt, now) => this.run(async () => {
        try {
          await Replay.updateOne({ key, expiresAt: { $lte: now } }, { $set: { expiresAt } }, { upsert: true });
          return true;
        } catch (err) {
          if ((err as { code?: unknown }).code === 11000) return false;
          throw err;
        }
      }),
      release: (key) => this.run(async () => { await Replay.deleteOne({ key }); }),
    };
  }

  private consentGrantRepo(): ConsentGrantRepo {
    const { ConsentGrant, Counter } = this.m;
    type Doc = Omit<ConsentGrant, 'expiresAt'> & { expiresAt: Date };
    const out = (doc: Doc | null): ConsentGrant | null =>
      (doc ? { ...plain<Doc>(doc as unknown as Lean), expiresAt: doc.expiresAt.toISOString() } : null);
    const activeAt = (now: Date) => ({ revokedAt: null, expiresAt: { $gt: now } });
    /** A conditional write on a grant still active at `now`. */
    const update = (partnerId: string, orgId: string, id: string, now: Date, set: object) => this.run(async () =>
      out(await ConsentGrant.findOneAndUpdate(
        { id, partnerId, orgId, ...activeAt(now) }, { $set: set }, { returnDocument: 'after', runValidators: true },
      ).lean<Doc>()));
    return {
      create: (grant, now) => this.run(async () => {
        const record = { ...grant, expiresAt: new Date(grant.expiresAt) };
        await this.validate(ConsentGrant, record);
        let created = false;
        const write = async (session?: ClientSession) => {
          // Two grants at once would each find no active grant and both commit (write skew under
          // snapshot isolation); both also write this per-org document, so the second conflicts,
          // is retried, and then finds the first.
          await Counter.updateOne({ _id: `consent-grants:${grant.orgId}` }, { $inc: { seq: 1 } }, { upsert: true, session });
          created = !(await ConsentGrant.exists({ partnerId: grant.partnerId, orgId: grant.orgId, ...activeAt(now) }).session(session ?? null));
          if (created) await ConsentGrant.create([record], { session });
        };
        await this.inTransaction(write);
        return created;
      }),
      get: (partnerId, orgId, id) => this.run(async () => out(await ConsentGrant.findOne({ id, partnerId, orgId }).lean<Doc>())),
      active: (partnerId, orgId, now) => this.run(async () =>
        out(await ConsentGrant.findOne({ partnerId, orgId, ...activeAt(now) }).sort({ expiresAt: -1 }).lean<Doc>())),
      listByOrg: (partnerId, orgId, page) => this.run(async () =>
        (await ConsentGrant.find({ partnerId, orgId }).sort({ grantedAt: -1, _id: -1 }).skip(page.offset).limit(page.limit)
          .lean<Doc[]>()).map((d) => out(d)!)),
      extend: (partnerId, orgId, id, expiresAt, now) => update(partnerId, orgId, id, now, { expiresAt: new Date(expiresAt) }),
      revoke: (partnerId, orgId, id, by, now) => update(partnerId, orgId, id, now, { revokedAt: now.toISOString(), revokedBy: by }),
      endingBy: (now, until) => this.run(async () =>
        (await ConsentGrant.find({ revokedAt: null, expiresAt: { $gt: now, $lte: until } }).sort({ expiresAt: 1, id: 1 })
          .lean<Doc[]>()).map((d) => out(d)!)),
    };
  }

  private accessRequestRepo(): AccessRequestRepo {
    const { AccessRequest } = this.m;
    return {
      create: (request) => this.run(async () => {
        await this.validate(AccessRequest, request);
        await AccessRequest.create(request);
      }),
      get: (partnerId, orgId, id) => this.findOne<AccessRequest>(AccessRequest, { id, partnerId, orgId }),
      listByOrg: (partnerId, orgId, q) => this.findMany<AccessRequest>(
        AccessRequest, { partnerId, orgId, ...(q.status ? { status: q.status } : {}) }, { createdAt: -1, _id: -1 }, q,
      ),
      // Conditional on "still pending": of two admins deciding at once, one settles it.
      decide: (partnerId, orgId, id, d) => this.run(async () => {
        const doc = await AccessRequest.findOneAndUpdate(
          { id, partnerId, orgId, status: 'pending' },
          { $set: { status: d.status, decidedBy: d.by, decidedAt: d.at, grantId: d.grantId } },
          { returnDocument: 'after', runValidators: true },
        ).lean<Lean>();
        return doc ? plain<AccessRequest>(doc) : null;
      }),
    };
  }

  private retentionRepo(): RetentionRepo {
    const { Verification, MagicLink, PasswordSetup, Session, AuditEvent } = this.m;
    // Dates stored as ISO text (createdAt, at) compare as text; expiries are BSON dates.
    return {
      purge: (rule) => this.run(async () => ({
        verifications: (await Verification.deleteMany({ createdAt: { $lt: rule.verificationsBefore.toISOString() } })).deletedCount,
        signInLinks: (await MagicLink.deleteMany({ $or: [{ consumedAt: { $ne: null } }, { expiresAt: { $lte: rule.now } }] })).deletedCount,
        invitations: (await PasswordSetup.deleteMany({ $or: [{ usedAt: { $ne: null } }, { expiresAt: { $lte: rule.now } }] })).deletedCount,
        sessions: (await Session.deleteMany({ expiresAt: { $lte: rule.now } })).deletedCount,
        audit: (await AuditEvent.deleteMany({ at: { $lt: rule.auditBefore.toISOString() } })).deletedCount,
      })),
    };
  }

  private magicLinkRepo(): MagicLinkRepo {
    const { MagicLink } = this.m;
    type Doc = Omit<MagicLink, 'expiresAt'> & { expiresAt: Date };
    const out = (doc: Doc | null): MagicLink | null =>
      (doc ? { ...plain<Doc>(doc as unknown as Lean), expiresAt: doc.expiresAt.toISOString() } : null);
    const usable = (tokenHash: string, now: Date) => ({ tokenHash, consumedAt: null, expiresAt: { $gt: now } });
    return {
      create: (link) => this.run(async () => {
        const record = { ...link, expiresAt: new Date(link.expiresAt) };
        await this.validate(MagicLink, record);
        await MagicLink.create(record);
      }),
      peek: (tokenHash, now) => this.run(async () => out(await MagicLink.findOne(usable(tokenHash, now)).lean<Doc>())),
      // One conditional write: only the first caller gets the link back.
      consume: (tokenHash, now) => this.run(async () => out(await MagicLink.findOneAndUpdate(
        usable(tokenHash, now), { $set: { consumedAt: now.toISOString() } }, { returnDocument: 'after' },
      ).lean<Doc>())),
      purgeExpired: (now) => this.run(async () => (await MagicLink.deleteMany({ expiresAt: { $lte: now } })).deletedCount),
    };
  }

  private grantReminderRepo(): GrantReminderRepo {
    const { GrantReminder } = this.m;
    return {
      claim: (grantId, kind, endsAt, at) => this.run(async () => {
        try {
          await GrantReminder.create({ grantId, kind, endsAt, claimedAt: at });
          return true;
        } catch (err) {
          if ((err as { code?: unknown }).code === 11000) return false;
          throw err;
        }
      }),
      release: (grantId, kind, endsAt) => this.run(async () => { await GrantReminder.deleteOne({ grantId, kind, endsAt }); }),
    };
  }

  private recentRepo(): RecentRepo {
    const { RecentView } = this.m;
    type Doc = { _id: unknown; agentId: string; kind: RecentKind; id: string; openedAt: Date };
    // Ties on the same millisecond are broken the same way in list and prune.
    const NEWEST = { openedAt: -1, kind: 1, id: 1 } as const;
    return {
      record: (item, keep) => this.run(async () => {
        const openedAt = new Date(item.openedAt);
        const key = { agentId: item.agentId, kind: item.kind, id: item.id };
        try {
          await RecentView.updateOne(key, { $max: { openedAt } }, { upsert: true });
        } catch (err) {
          // Two first opens at once: one insert wins the unique key, the other becomes an update.
          if ((err as { code?: unknown }).code !== 11000) throw err;
          await RecentView.updateOne(key, { $max: { openedAt } });
        }
        const stale = await RecentView.find({ agentId: item.agentId }, { _id: 1 }).sort(NEWEST).skip(keep).lean<Doc[]>();
        if (stale.length) await RecentView.deleteMany({ _id: { $in: stale.map((d) => d._id) } });
      }),
      list: (agentId, limit) => this.run(async () => {
        const docs = await RecentView.find({ agentId }).sort(NEWEST).limit(limit).lean<Doc[]>();
        return docs.map((d) => ({ agentId: d.agentId, kind: d.kind, id: d.id, openedAt: d.openedAt.toISOString() }));
      }),
    };
  }

  private rateLimitRepo(): RateLimitRepo {
    const { RateLimit } = this.m;
    type Doc = { count: number; resetAt: Date };
    const hitOnce = (key: string, windowMs: number, now: Date) => {
      const live = { $gt: ['$resetAt', now] };
      // One atomic update pipeline: count up in the live window, or open a new one. Several app
      // processes hitting the same key never lose a hit to a read-modify-write race.
      return RateLimit.findOneAndUpdate(
        { key },
        [{ $set: {
          count: { $cond: [live, { $add: ['$count', 1] }, 1] },
          resetAt: { $cond: [live, '$resetAt', new Date(now.getTime() + windowMs)] },
        } }],
        { upsert: true, returnDocument: 'after', updatePipeline: true, setDefaultsOnInsert: false },
      ).lean<Doc>();
    };
    return {
      hit: (key, windowMs, now) => this.run(async () => {
        let doc: Doc | null;
        try {
          doc = await hitOnce(key, windowMs, now);
        } catch (err) {
          // A first hit racing another on a new key can lose the insert; it then counts on the winner's document.
          if ((err as { code?: unknown }).code !== 11000) throw err;
          doc = await hitOnce(key, windowMs, now);
        }
        return { count: doc!.count, resetAt: doc!.resetAt };
      }),
      count: (key, now) => this.run(async () =>
        (await RateLimit.findOne({ key, resetAt: { $gt: now } }, { count: 1 }).lean<Doc>())?.count ?? 0),
      decrement: (key) => this.run(async () => { await RateLimit.updateOne({ key, count: { $gt: 0 } }, { $inc: { count: -1 } }); }),
      reset: (key) => this.run(async () => { await RateLimit.deleteOne({ key }); }),
    };
  }
}
