// EmbeddedStore: the Store port on one SQLite file (better-sqlite3) in DATA_DIR.
// Durable (WAL journal), unique constraints enforced by SQLite, expiry checked on read and purged,
// and safe to share between processes on one machine (the app and an `import` run by the CLI).
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { conflict, invalid } from '../../errors';
import type {
  Agent, AgentRepo, ApiToken, ApiTokenRepo, AuditEvent, AuditQuery, AuditRepo, Change, ChangeRepo,
  ChangedEntity, Device, DeviceInput, DeviceRepo, MailOutboxRepo, Org, OrgRepo, OutboxMail, Page, Partner, PartnerRepo,
  RateLimitRepo, ScanPart, SessionRecord, SessionRepo, Store, User, UserInput, UserRepo, Verification, VerificationOutcome,
  VerificationRepo,
} from '../store';
import type { PasswordSetup, PasswordSetupRepo } from '../store';
import type { AddSupportContactResult, SupportContact, SupportContactRepo } from '../store';
import type { AccessRequestRepo, ConsentGrantRepo, GrantReminderRepo, MagicLinkRepo, RetentionRepo } from '../store';
import { RETENTION_SCHEMA, retentionRepo } from './embedded-retention';
import {
  CONSENT_SCHEMA, accessRequestRepo, consentGrantRepo, findFullAdminsByEmail, grantReminderRepo, magicLinkRepo,
} from './embedded-consent';
import type { EmailEvent, EmailEventRepo, LastEmail, ReplayRepo, Suppression, SuppressionRepo } from '../store';
import { translateOutages } from './sqlite-outage';
import { RECENT_SCHEMA, recentRepo } from './embedded-recent';
import type { RecentRepo } from '../store';
import { createPrivateFile, PRIVATE_DIR_MODE, restrictFiles } from '../../data-dir';
import type { LifecycleRepo } from '../store';
import { lifecycleRepo } from './embedded-lifecycle';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS partners (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orgs (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orgs_partner ON orgs (partner_id);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, partner_id TEXT NOT NULL, email TEXT NOT NULL,
  is_admin INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS users_org ON users (partner_id, org_id);
CREATE INDEX IF NOT EXISTS users_email ON users (partner_id, email);
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, partner_id TEXT NOT NULL, owner_user_id TEXT,
  data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS devices_org ON devices (partner_id, org_id);
CREATE INDEX IF NOT EXISTS devices_owner ON devices (partner_id, owner_user_id);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS agents_partner ON agents (partner_id);
CREATE TABLE IF NOT EXISTS api_tokens (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS api_tokens_partner ON api_tokens (partner_id);
CREATE TABLE IF NOT EXISTS sessions (
  sid TEXT PRIMARY KEY, agent_id TEXT, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
CREATE INDEX IF NOT EXISTS sessions_agent ON sessions (agent_id);
CREATE TABLE IF NOT EXISTS password_setups (
  token_hash TEXT PRIMARY KEY, agent_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS password_setups_agent ON password_setups (agent_id);
CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY, at TEXT NOT NULL, partner_id TEXT, org_id TEXT, actor_id TEXT,
  subject TEXT, action TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_partner_at ON audit_events (partner_id, at);
CREATE TABLE IF NOT EXISTS changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS change_cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rate_limits (
  key TEXT PRIMARY KEY, count INTEGER NOT NULL, reset_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS verifications (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, org_id TEXT NOT NULL, user_id TEXT NOT NULL,
  sent_to TEXT NOT NULL, requested_by TEXT NOT NULL, code_hash TEXT NOT NULL, created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL, attempts INTEGER NOT NULL, outcome TEXT NOT NULL, settled_at TEXT);
CREATE INDEX IF NOT EXISTS verifications_user ON verifications (partner_id, user_id, created_at);
CREATE TABLE IF NOT EXISTS mail_outbox (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mail_outbox_partner ON mail_outbox (partner_id, created_at);
CREATE INDEX IF NOT EXISTS users_email_any_partner ON users (email);
CREATE TABLE IF NOT EXISTS suppressions (email TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS email_events (
  email TEXT NOT NULL, type TEXT NOT NULL, message_kind TEXT NOT NULL, at_ms INTEGER NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (email, type, message_kind, at_ms));
CREATE INDEX IF NOT EXISTS email_events_newest ON email_events (email, at_ms);
CREATE TABLE IF NOT EXISTS replays (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS replays_expiry ON replays (expires_at);
`;

interface VerificationRow {
  id: string; partner_id: string; org_id: string; user_id: string; sent_to: string; requested_by: string;
  code_hash: string; created_at: string; expires_at: number; attempts: number; outcome: VerificationOutcome;
  settled_at: string | null;
}

const toVerification = (r: VerificationRow | undefined): Verification | null => (r ? {
  id: r.id, partnerId: r.partner_id, orgId: r.org_id, userId: r.user_id, sentTo: r.sent_to,
  requestedBy: r.requested_by, codeHash: r.code_hash, createdAt: r.created_at,
  expiresAt: new Date(r.expires_at).toISOString(), attempts: r.attempts, outcome: r.outcome, settledAt: r.settled_at,
} : null);

type Row = { data: string };
const parse = <T>(row: Row | undefined): T | null => (row ? (JSON.parse(row.data) as T) : null);
const parseAll = <T>(rows: Row[]): T[] => rows.map((r) => JSON.parse(r.data) as T);

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
    this.db.exec(SCHEMA);
    this.db.exec(CONSENT_SCHEMA);
    this.db.exec(RETENTION_SCHEMA);
    this.db.exec(RECENT_SCHEMA);
    this.partners = this.partnerRepo();
    this.orgs = this.orgRepo();
    this.users = this.userRepo();
    this.devices = this.deviceRepo();
    this.agents = this.agentRepo();
    this.apiTokens = this.apiTokenRepo();
    this.sessions = this.sessionRepo();
    this.passwordSetups = this.passwordSetupRepo();
    this.audit = this.auditRepo();
    this.retention = retentionRepo(this.db);
    this.changes = this.changeRepo();
    this.rateLimits = this.rateLimitRepo();
    this.verifications = this.verificationRepo();
    this.mailOutbox = this.mailOutboxRepo();
    this.supportContacts = this.supportContactRepo();
    this.suppressions = this.suppressionRepo();
    this.emailEvents = this.emailEventRepo();
    this.replays = this.replayRepo();
    this.consentGrants = consentGrantRepo(this.db);
    this.accessRequests = accessRequestRepo(this.db);
    this.magicLinks = magicLinkRepo(this.db);
    this.grantReminders = grantReminderRepo(this.db);
    this.lifecycle = lifecycleRepo(this.db, this.recordChange);
    this.recents = recentRepo(this.db);
    // Last, so that it covers every repo above.
    translateOutages(this);
  }

  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
  }

  /**
   * Each distinct SQL text is prepared once and reused: preparing parses and plans the statement,
   * which cost more than the write itself on the import path.
   */
  private readonly statements = new Map<string, Database.Statement>();
  private sql(source: string): Database.Statement {
    let stmt = this.statements.get(source);
    if (!stmt) {
      stmt = this.db.prepare(source);
      this.statements.set(source, stmt);
    }
    return stmt;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /**
   * Repo writes are single statements or db.transaction()s, which become savepoints inside this
   * transaction: a record that fails rolls back alone. `work` resolves within microtasks when it awaits only this
   * store (its methods run synchronously), so no I/O callback can run inside the transaction.
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    return this.transaction(work);
  }

  /** One SQLite transaction (a batch is one too): a failure that escapes `work` rolls every write of it back. */
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

  private recordChange = (entity: ChangedEntity, id: string) => {
    this.sql('INSERT INTO changes (entity, id, at) VALUES (?, ?, ?)').run(entity, id, new Date().toISOString());
  };

  private orgPartner(orgId: string): string {
    const row = this.sql('SELECT partner_id FROM orgs WHERE id = ?').get(orgId) as { partner_id: string } | undefined;
    if (!row) throw invalid(`orgId: no org with id ${orgId}`, [{ field: 'orgId', message: 'unknown org' }]);
    return row.partner_id;
  }

  /**
   * Pages by rowid, the table's own order: reading by id went through the id index and fetched
   * each row at random, four times slower at a million rows. An upsert keeps its row's rowid and a
   * new row gets a higher one, so every row present for the whole scan comes exactly once.
   */
  private async *scanTable<T>(table: string, batchSize: number, part: ScanPart = { index: 0, of: 1 }): AsyncIterable<T[]> {
    let after = 0;
    // Parts by rowid modulo: each part reads every page, but parses only its own rows.
    const stmt = this.sql(`SELECT rowid AS r, data FROM ${table} WHERE rowid > ? AND rowid % ? = ? ORDER BY rowid LIMIT ?`);
    for (;;) {
      const rows = stmt.all(after, part.of, part.index, batchSize) as Array<{ r: number; data: string }>;
      if (rows.length === 0) return;
      after = rows[rows.length - 1].r;
      yield parseAll<T>(rows);
    }
  }

  private getByIds<T>(table: string, ids: string[]): T[] {
    if (ids.length === 0) return [];
    // json_each keeps this one statement whatever the number of ids.
    return parseAll<T>(this.sql(
      `SELECT data FROM ${table} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ).all(JSON.stringify(ids)) as Row[]);
  }

  private count(table: string, partnerId?: string): number {
    const row = partnerId === undefined
      ? this.sql(`SELECT COUNT(*) AS n FROM ${table}`).get()
      : this.sql(`SELECT COUNT(*) AS n FROM ${table} WHERE partner_id = ?`).get(partnerId);
    return (row as { n: number }).n;
  }

  private partnerRepo(): PartnerRepo {
    const db = this.db;
    return {
      upsert: async (p: Partner) => {
        this.sql('INSERT INTO partners (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data')
          .run(p.id, JSON.stringify(p));
      },
      get: async (id) => parse<Partner>(this.sql('SELECT data FROM partners WHERE id = ?').get(id) as Row),
      list: async () => parseAll<Partner>(this.sql('SELECT data FROM partners ORDER BY id').all() as Row[]),
    };
  }

  private orgRepo(): OrgRepo {
    const db = this.db;
    const upsert = db.transaction((org: Org) => {
      const existing = this.sql('SELECT partner_id FROM orgs WHERE id = ?').get(org.id) as { partner_id: string } | undefined;
      // An org never moves between partners: that would hand one tenant's users to another.
      if (existing && existing.partner_id !== org.partnerId) {
        throw conflict(`org ${org.id} belongs to another partner`);
      }
      if (!this.sql('SELECT 1 FROM partners WHERE id = ?').get(org.partnerId)) {
        throw invalid(`partnerId: no partner with id ${org.partnerId}`, [{ field: 'partnerId', message: 'unknown partner' }]);
      }
      this.sql(`INSERT INTO orgs (id, partner_id, data) VALUES (?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET data = excluded.data`).run(org.id, org.partnerId, JSON.stringify(org));
      this.recordChange('org', org.id);
    });
    return {
      upsert: async (org) => { upsert(org); },
      get: async (partnerId, id) =>
        parse<Org>(this.sql('SELECT data FROM orgs WHERE id = ? AND partner_id = ?').get(id, partnerId) as Row),
      count: async (partnerId) => this.count('orgs', partnerId),
      getByIds: async (ids) => this.getByIds<Org>('orgs', ids),
      scan: (batchSize, part) => this.scanTable<Org>('orgs', batchSize, part),
    };
  }

  private userRepo(): UserRepo {
    const db = this.db;
    const upsert = db.transaction((input: UserInput): User => {
      const partnerId = this.orgPartner(input.orgId);
      const user: User = { ...input, partnerId, email: input.email.trim().toLowerCase() };
      const existing = this.sql('SELECT org_id FROM users WHERE id = ?').get(user.id) as { org_id: string } | undefined;
      if (existing && existing.org_id !== user.orgId) throw conflict(`user ${user.id} belongs to another org`);
      this.sql(`INSERT INTO users (id, org_id, partner_id, email, is_admin, data) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET email = excluded.email, is_admin = excluded.is_admin, data = excluded.data`)
        .run(user.id, user.orgId, partnerId, user.email, user.roles.length > 0 ? 1 : 0, JSON.stringify(user));
      this.recordChange('user', user.id);
      return user;
    });
    const recordLastEmail = db.transaction((email: string, lastEmail: LastEmail, partnerId?: string): number => {
      const at = Date.parse(lastEmail.at);
      let updated = 0;
      const rows = partnerId
        ? this.sql('SELECT data FROM users WHERE email = ? AND partner_id = ?').all(email, partnerId)
        : this.sql('SELECT data FROM users WHERE email = ?').all(email);
      for (const user of parseAll<User>(rows as Row[])) {
        if (user.lastEmail && Date.parse(user.lastEmail.at) > at) continue;
        this.sql('UPDATE users SET data = ? WHERE id = ?').run(JSON.stringify({ ...user, lastEmail }), user.id);
        this.recordChange('user', user.id);
        updated += 1;
      }
      return updated;
    });
    return {
      upsert: async (input) => upsert(input),
      get: async (partnerId, id) =>
        parse<User>(this.sql('SELECT data FROM users WHERE id = ? AND partner_id = ?').get(id, partnerId) as Row),
      listByOrg: async (partnerId, orgId, page: Page) => parseAll<User>(this.sql(
        `SELECT data FROM users WHERE partner_id = ? AND org_id = ?
         ORDER BY json_extract(data, '$.displayName'), id LIMIT ? OFFSET ?`,
      ).all(partnerId, orgId, page.limit, page.offset) as Row[]),
      countByOrg: async (partnerId, orgId) => (this.sql(
        'SELECT COUNT(*) AS n FROM users WHERE partner_id = ? AND org_id = ?',
      ).get(partnerId, orgId) as { n: number }).n,
      listAdmins: async (partnerId, orgId) => parseAll<User>(this.sql(
        `SELECT data FROM users WHERE partner_id = ? AND org_id = ? AND is_admin = 1
         ORDER BY json_extract(data, '$.displayName'), id`,
      ).all(partnerId, orgId) as Row[]),
      findByEmail: async (partnerId, email) => parseAll<User>(this.sql(
        'SELECT data FROM users WHERE partner_id = ? AND email = ? ORDER BY id',
      ).all(partnerId, email.trim().toLowerCase()) as Row[]),
      findFullAdminsByEmail: findFullAdminsByEmail(db),
      count: async (partnerId) => this.count('users', partnerId),
      getByIds: async (ids) => this.getByIds<User>('users', ids),
      scan: (batchSize, part) => this.scanTable<User>('users', batchSize, part),
      // IMMEDIATE: the newer-or-not comparison and the write happen under one write lock.
      recordLastEmail: async (email, lastEmail, partnerId) => recordLastEmail.immediate(email.trim().toLowerCase(), lastEmail, partnerId),
    };
  }

  private deviceRepo(): DeviceRepo {
    const db = this.db;
    const upsert = db.transaction((input: DeviceInput): Device => {
      const partnerId = this.orgPartner(input.orgId);
      const device: Device = { ...input, partnerId };
      if (device.ownerUserId) {
        const owner = this.sql('SELECT org_id FROM users WHERE id = ?').get(device.ownerUserId) as { org_id: string } | undefined;
        if (!owner || owner.org_id !== device.orgId) {
          throw invalid(`ownerUserId: no user ${device.ownerUserId} in org ${device.orgId}`,
            [{ field: 'ownerUserId', message: 'unknown user in this org' }]);
        }
      }
      const existing = this.sql('SELECT org_id FROM devices WHERE id = ?').get(device.id) as { org_id: string } | undefined;
      if (existing && existing.org_id !== device.orgId) throw conflict(`device ${device.id} belongs to another org`);
      this.sql(`INSERT INTO devices (id, org_id, partner_id, owner_user_id, data) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET owner_user_id = excluded.owner_user_id, data = excluded.data`)
        .run(device.id, device.orgId, partnerId, device.ownerUserId, JSON.stringify(device));
      this.recordChange('device', device.id);
      return device;
    });
    return {
      upsert: async (input) => upsert(input),
      get: async (partnerId, id) =>
        parse<Device>(this.sql('SELECT data FROM devices WHERE id = ? AND partner_id = ?').get(id, partnerId) as Row),
      listByOrg: async (partnerId, orgId, page) => parseAll<Device>(this.sql(
        `SELECT data FROM devices WHERE partner_id = ? AND org_id = ?
         ORDER BY json_extract(data, '$.displayName'), id LIMIT ? OFFSET ?`,
      ).all(partnerId, orgId, page.limit, page.offset) as Row[]),
      countByOrg: async (partnerId, orgId) => (this.sql(
        'SELECT COUNT(*) AS n FROM devices WHERE partner_id = ? AND org_id = ?',
      ).get(partnerId, orgId) as { n: number }).n,
      listByOwner: async (partnerId, ownerUserId) => parseAll<Device>(this.sql(
        'SELECT data FROM devices WHERE partner_id = ? AND owner_user_id = ? ORDER BY id',
      ).all(partnerId, ownerUserId) as Row[]),
      count: async (partnerId) => this.count('devices', partnerId),
      getByIds: async (ids) => this.getByIds<Device>('devices', ids),
      scan: (batchSize, part) => this.scanTable<Device>('devices', batchSize, part),
    };
  }

  private agentRepo(): AgentRepo {
    const db = this.db;
    const write = (agent: Agent, insert: boolean) => {
      const email = agent.email.trim().toLowerCase();
      try {
        if (insert) {
          this.sql('INSERT INTO agents (id, partner_id, email, data) VALUES (?, ?, ?, ?)')
            .run(agent.id, agent.partnerId, email, JSON.stringify({ ...agent, email }));
        } else {
          this.sql('UPDATE agents SET email = ?, data = ? WHERE id = ?').run(email, JSON.stringify({ ...agent, email }), agent.id);
        }
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw conflict(`An agent with email ${email} already exists.`);
        throw err;
      }
    };
    return {
      create: async (agent) => write(agent, true),
      update: async (agent) => write(agent, false),
      get: async (id) => parse<Agent>(this.sql('SELECT data FROM agents WHERE id = ?').get(id) as Row),
      getByEmail: async (email) =>
        parse<Agent>(this.sql('SELECT data FROM agents WHERE email = ?').get(email.trim().toLowerCase()) as Row),
      listByPartner: async (partnerId) =>
        parseAll<Agent>(this.sql('SELECT data FROM agents WHERE partner_id = ? ORDER BY email').all(partnerId) as Row[]),
    };
  }

  private apiTokenRepo(): ApiTokenRepo {
    const db = this.db;
    const get = (id: string) => parse<ApiToken>(this.sql('SELECT data FROM api_tokens WHERE id = ?').get(id) as Row);
    const save = (t: ApiToken) => this.sql('UPDATE api_tokens SET data = ? WHERE id = ?').run(JSON.stringify(t), t.id);
    return {
      create: async (t) => {
        this.sql('INSERT INTO api_tokens (id, partner_id, token_hash, data) VALUES (?, ?, ?, ?)')
          .run(t.id, t.partnerId, t.tokenHash, JSON.stringify(t));
      },
      getByHash: async (hash) =>
        parse<ApiToken>(this.sql('SELECT data FROM api_tokens WHERE token_hash = ?').get(hash) as Row),
      touch: async (id, at) => {
        const t = get(id);
        if (t) save({ ...t, lastUsedAt: at });
      },
      revoke: async (partnerId, id, at) => {
        const t = get(id);
        if (!t || t.partnerId !== partnerId || t.revokedAt) return false;
        save({ ...t, revokedAt: at });
        return true;
      },
      listByPartner: async (partnerId) => parseAll<ApiToken>(this.sql(
        "SELECT data FROM api_tokens WHERE partner_id = ? ORDER BY json_extract(data, '$.createdAt') DESC",
      ).all(partnerId) as Row[]),
    };
  }

  private sessionRepo(): SessionRepo {
    const db = this.db;
    return {
      get: async (sid, now) => {
        const row = this.sql('SELECT sid, agent_id, data, expires_at FROM sessions WHERE sid = ? AND expires_at > ?')
          .get(sid, now.getTime()) as { sid: string; agent_id: string | null; data: string; expires_at: number } | undefined;
        return row
          ? { sid: row.sid, agentId: row.agent_id, data: row.data, expiresAt: new Date(row.expires_at).toISOString() }
          : null;
      },
      set: async (r: SessionRecord) => {
        this.sql(`INSERT INTO sessions (sid, agent_id, data, expires_at) VALUES (?, ?, ?, ?)
          ON CONFLICT(sid) DO UPDATE SET agent_id = excluded.agent_id, data = excluded.data, expires_at = excluded.expires_at`)
          .run(r.sid, r.agentId, r.data, Date.parse(r.expiresAt));
      },
      touch: async (sid, expiresAt) => {
        this.sql('UPDATE sessions SET expires_at = ? WHERE sid = ?').run(Date.parse(expiresAt), sid);
      },
      destroy: async (sid) => { this.sql('DELETE FROM sessions WHERE sid = ?').run(sid); },
      destroyByAgent: async (agentId) => this.sql('DELETE FROM sessions WHERE agent_id = ?').run(agentId).changes,
      purgeExpired: async (now) => this.sql('DELETE FROM sessions WHERE expires_at <= ?').run(now.getTime()).changes,
    };
  }

  private passwordSetupRepo(): PasswordSetupRepo {
    const db = this.db;
    const toSetup = (r: { data: string; used_at: string | null } | undefined): PasswordSetup | null =>
      (r ? { ...(JSON.parse(r.data) as PasswordSetup), usedAt: r.used_at } : null);
    const create = db.transaction((s: PasswordSetup) => {
      // A voided link is marked used: it can never be consumed, and it stays for the record.
      this.sql('UPDATE password_setups SET used_at = ? WHERE agent_id = ? AND used_at IS NULL').run(s.createdAt, s.agentId);
      this.sql('INSERT INTO password_setups (token_hash, agent_id, expires_at, used_at, data) VALUES (?, ?, ?, ?, ?)')
        .run(s.tokenHash, s.agentId, Date.parse(s.expiresAt), s.usedAt, JSON.stringify(s));
    });
    // One conditional statement: of two submissions of the same link, exactly one gets a row back.
    const consume = this.sql(`UPDATE password_setups SET used_at = @at
      WHERE token_hash = @hash AND used_at IS NULL AND expires_at > @now RETURNING data, used_at`);
    return {
      create: async (s) => { create.immediate(s); },
      find: async (hash, now) => toSetup(this.sql(
        'SELECT data, used_at FROM password_setups WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
      ).get(hash, now.getTime()) as { data: string; used_at: string | null } | undefined),
      consume: async (hash, now) => toSetup(consume.get({ hash, now: now.getTime(), at: now.toISOString() }) as
        { data: string; used_at: string | null } | undefined),
    };
  }

  private auditRepo(): AuditRepo {
    const db = this.db;
    return {
      append: async (e: AuditEvent) => {
        this.sql(`INSERT INTO audit_events (id, at, partner_id, org_id, actor_id, subject, action, data)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(e.id, e.at, e.partnerId, e.orgId, e.actorId, e.subject, e.action, JSON.stringify(e));
      },
      query: async (q: AuditQuery) => {
        const where = ['partner_id = @partnerId'];
        if (q.orgId) where.push('org_id = @orgId');
        if (q.actorId) where.push('actor_id = @actorId');
        if (q.subject) where.push('subject = @subject');
        if (q.action) where.push('action = @action');
        if (q.from) where.push('at >= @from');
        if (q.to) where.push('at < @to');
        const lists = { org_id: q.orgIds, actor_id: q.actorIds, subject: q.subjects, action: q.actions };
        const listParams: Record<string, string> = {};
        for (const [column, values] of Object.entries(lists)) {
          if (!values) continue;
          where.push(`${column} IN (SELECT value FROM json_each(@${column}_list))`);
          listParams[`${column}_list`] = JSON.stringify(values);
        }
        if (q.actionPrefix) where.push(`(action = @actionPrefix OR substr(action, 1, length(@actionPrefix) + 1) = @actionPrefix || '.')`);
        const clause = where.join(' AND ');
        const { orgIds: _o, actorIds: _a, subjects: _s, actions: _ac, ...scalars } = q;
        const params = { ...scalars, ...listParams };
        const total = (this.sql(`SELECT COUNT(*) AS n FROM audit_events WHERE ${clause}`).get(params) as { n: number }).n;
        const events = parseAll<AuditEvent>(this.sql(
          `SELECT data FROM audit_events WHERE ${clause} ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset`,
        ).all(params) as Row[]);
        return { events, total };
      },
    };
  }

  private changeRepo(): ChangeRepo {
    const db = this.db;
    return {
      listAfter: async (after, limit) => this.sql(
        'SELECT seq, entity, id, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
      ).all(after, limit) as Change[],
      latestSeq: async () => (this.sql('SELECT COALESCE(MAX(seq), 0) AS seq FROM changes').get() as { seq: number }).seq,
      requestRebuild: async () => { this.recordChange('all', '*'); },
      getCursor: async (consumer) =>
        (db.prepare('SELECT seq FROM change_cursors WHERE consumer = ?').get(consumer) as { seq: number } | undefined)?.seq ?? null,
      saveCursor: async (consumer, seq) => {
        db.prepare(`INSERT INTO change_cursors (consumer, seq) VALUES (?, ?)
          ON CONFLICT(consumer) DO UPDATE SET seq = MAX(seq, excluded.seq)`).run(consumer, seq);
      },
      prune: async (before) => this.sql('DELETE FROM changes WHERE at < ?').run(before.toISOString()).changes,
    };
  }

  private rateLimitRepo(): RateLimitRepo {
    const db = this.db;
    const hit = db.transaction((key: string, windowMs: number, now: number) => {
      const row = this.sql('SELECT count, reset_at FROM rate_limits WHERE key = ?').get(key) as
        { count: number; reset_at: number } | undefined;
      if (!row || row.reset_at <= now) {
        this.sql(`INSERT INTO rate_limits (key, count, reset_at) VALUES (?, 1, ?)
          ON CONFLICT(key) DO UPDATE SET count = 1, reset_at = excluded.reset_at`).run(key, now + windowMs);
        return { count: 1, resetAt: new Date(now + windowMs) };
      }
      this.sql('UPDATE rate_limits SET count = count + 1 WHERE key = ?').run(key);
      return { count: row.count + 1, resetAt: new Date(row.reset_at) };
    });
    return {
      // IMMEDIATE takes the write lock before reading, so two processes never both read the old count.
      hit: async (key, windowMs, now) => hit.immediate(key, windowMs, now.getTime()),
      count: async (key, now) => {
        const row = this.sql('SELECT count FROM rate_limits WHERE key = ? AND reset_at > ?').get(key, now.getTime()) as
          { count: number } | undefined;
        return row?.count ?? 0;
      },
      decrement: async (key) => { this.sql('UPDATE rate_limits SET count = MAX(count - 1, 0) WHERE key = ?').run(key); },
      reset: async (key) => { this.sql('DELETE FROM rate_limits WHERE key = ?').run(key); },
    };
  }

  private verificationRepo(): VerificationRepo {
    const db = this.db;
    const create = db.transaction((v: Verification) => {
      // Only the newest code of a user may be answered: the caller reads the latest mail.
      this.sql(`UPDATE verifications SET outcome = 'voided', settled_at = ?
        WHERE partner_id = ? AND user_id = ? AND outcome = 'pending'`).run(v.createdAt, v.partnerId, v.userId);
      this.sql(`INSERT INTO verifications (id, partner_id, org_id, user_id, sent_to, requested_by, code_hash,
        created_at, expires_at, attempts, outcome, settled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(v.id, v.partnerId, v.orgId, v.userId, v.sentTo, v.requestedBy, v.codeHash, v.createdAt,
          Date.parse(v.expiresAt), v.attempts, v.outcome, v.settledAt);
    });
    // One statement decides: SQLite evaluates every SET expression on the row as it was, and the
    // WHERE clause lets only the first of two concurrent answers through once the code is settled.
    const attempt = this.sql(`UPDATE verifications SET
        attempts = attempts + 1,
        outcome = CASE WHEN @correct = 1 THEN 'verified' WHEN attempts + 1 >= @max THEN 'locked' ELSE 'pending' END,
        settled_at = CASE WHEN @correct = 1 OR attempts + 1 >= @max THEN @at ELSE settled_at END
      WHERE id = @id AND partner_id = @partnerId AND outcome = 'pending' AND expires_at > @now AND attempts < @max
      RETURNING *`);
    return {
      create: async (v) => { create.immediate(v); },
      get: async (partnerId, id) => toVerification(this.sql(
        'SELECT * FROM verifications WHERE id = ? AND partner_id = ?',
      ).get(id, partnerId) as VerificationRow | undefined),
      latestForUser: async (partnerId, userId) => toVerification(this.sql(
        'SELECT * FROM verifications WHERE partner_id = ? AND user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
      ).get(partnerId, userId) as VerificationRow | undefined),
      attempt: async (partnerId, id, a) => toVerification(attempt.get({
        id, partnerId, correct: a.correct ? 1 : 0, max: a.maxAttempts, now: a.now.getTime(), at: a.now.toISOString(),
      }) as VerificationRow | undefined),
      void: async (partnerId, id, at) => {
        this.sql(`UPDATE verifications SET outcome = 'voided', settled_at = ?
          WHERE id = ? AND partner_id = ? AND outcome = 'pending'`).run(at.toISOString(), id, partnerId);
      },
    };
  }

  private mailOutboxRepo(): MailOutboxRepo {
    const db = this.db;
    return {
      append: async (m: OutboxMail) => {
        this.sql('INSERT INTO mail_outbox (id, partner_id, created_at, data) VALUES (?, ?, ?, ?)')
          .run(m.id, m.partnerId, m.createdAt, JSON.stringify(m));
      },
      listByPartner: async (partnerId, page) => parseAll<OutboxMail>(this.sql(
        'SELECT data FROM mail_outbox WHERE partner_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
      ).all(partnerId, page.limit, page.offset) as Row[]),
      listAll: async (page) => parseAll<OutboxMail>(this.sql(
        'SELECT data FROM mail_outbox ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
      ).all(page.limit, page.offset) as Row[]),
    };
  }

  private supportContactRepo(): SupportContactRepo {
    const db = this.db;
    const userInOrg = (partnerId: string, orgId: string, userId: string) => parse<User>(this.sql(
      'SELECT data FROM users WHERE id = ? AND partner_id = ? AND org_id = ?',
    ).get(userId, partnerId, orgId) as Row);
    const save = (user: User) => {
      this.sql('UPDATE users SET data = ? WHERE id = ?').run(JSON.stringify(user), user.id);
      this.recordChange('user', user.id);
    };
    const add = db.transaction((partnerId: string, orgId: string, userId: string, product: string, quota: number):
      AddSupportContactResult => {
      const user = userInOrg(partnerId, orgId, userId);
      if (!user) return 'no_such_user';
      if (user.supportContactFor.includes(product)) return 'already';
      const { n } = this.sql(`SELECT COUNT(*) AS n FROM users, json_each(users.data, '$.supportContactFor') AS c
        WHERE users.partner_id = ? AND users.org_id = ? AND c.value = ?`).get(partnerId, orgId, product) as { n: number };
      if (n >= quota) return 'quota_reached';
      save({ ...user, supportContactFor: [...user.supportContactFor, product] });
      return 'added';
    });
    const remove = db.transaction((partnerId: string, orgId: string, userId: string, product: string) => {
      const user = userInOrg(partnerId, orgId, userId);
      if (!user?.supportContactFor.includes(product)) return false;
      save({ ...user, supportContactFor: user.supportContactFor.filter((p) => p !== product) });
      return true;
    });
    return {
      listByOrg: async (partnerId, orgId) => this.sql(
        `SELECT c.value AS product, users.id AS userId, json_extract(users.data, '$.displayName') AS displayName,
          users.email AS email
         FROM users, json_each(users.data, '$.supportContactFor') AS c
         WHERE users.partner_id = ? AND users.org_id = ?
         ORDER BY c.value, json_extract(users.data, '$.displayName'), users.id`,
      ).all(partnerId, orgId) as SupportContact[],
      // IMMEDIATE: the count and the write happen under one write lock, across processes too.
      add: async (partnerId, orgId, userId, product, quota) => add.immediate(partnerId, orgId, userId, product, quota),
      remove: async (partnerId, orgId, userId, product) => remove.immediate(partnerId, orgId, userId, product),
    };
  }

  private suppressionRepo(): SuppressionRepo {
    const db = this.db;
    const norm = (email: string) => email.trim().toLowerCase();
    const remove = this.sql('DELETE FROM suppressions WHERE email = ? RETURNING data');
    return {
      get: async (email) => parse<Suppression>(this.sql('SELECT data FROM suppressions WHERE email = ?').get(norm(email)) as Row),
      upsert: async (entry) => {
        const suppression = { ...entry, email: norm(entry.email) };
        this.sql('INSERT INTO suppressions (email, data) VALUES (?, ?) ON CONFLICT(email) DO UPDATE SET data = excluded.data')
          .run(suppression.email, JSON.stringify(suppression));
      },
      remove: async (email) => parse<Suppression>(remove.get(norm(email)) as Row),
    };
  }

  private emailEventRepo(): EmailEventRepo {
    const db = this.db;
    return {
      append: async (e: EmailEvent) => {
        const event = { ...e, email: e.email.trim().toLowerCase() };
        return this.sql(`INSERT OR IGNORE INTO email_events (email, type, message_kind, at_ms, data) VALUES (?, ?, ?, ?, ?)`)
          .run(event.email, event.type, event.messageKind, Date.parse(event.at), JSON.stringify(event)).changes === 1;
      },
      latest: async (email) => parse<EmailEvent>(this.sql(
        'SELECT data FROM email_events WHERE email = ? ORDER BY at_ms DESC, rowid DESC LIMIT 1',
      ).get(email.trim().toLowerCase()) as Row),
    };
  }

  private replayRepo(): ReplayRepo {
    const db = this.db;
    const claim = db.transaction((key: string, expiresAt: number, now: number) => {
      this.sql('DELETE FROM replays WHERE expires_at <= ?').run(now);
      return this.sql('INSERT OR IGNORE INTO replays (key, expires_at) VALUES (?, ?)').run(key, expiresAt).changes === 1;
    });
    return {
      claim: async (key, expiresAt, now) => claim.immediate(key, expiresAt.getTime(), now.getTime()),
      release: async (key) => { this.sql('DELETE FROM replays WHERE key = ?').run(key); },
    };
  }
}
