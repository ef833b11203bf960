// The users of customer organizations, with the last mail each was sent.
// Its embedded adapter (SQLite): the tables and the repository.
import type Database from 'better-sqlite3';
import { conflict } from '../../errors';
import { type SqliteContext, parse, parseAll, type Row } from '../embedded/context';
import type { Page } from '../common';
import type { LastEmail, User, UserInput, UserRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL, partner_id TEXT NOT NULL, email TEXT NOT NULL,
  is_admin INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS users_org ON users (partner_id, org_id);
CREATE INDEX IF NOT EXISTS users_email ON users (partner_id, email);
CREATE INDEX IF NOT EXISTS users_email_any_partner ON users (email);
`;

export function embeddedUserRepo(ctx: SqliteContext): UserRepo {
  const db = ctx.db;
  const upsert = db.transaction((input: UserInput): User => {
    const partnerId = ctx.orgPartner(input.orgId);
    const user: User = { ...input, partnerId, email: input.email.trim().toLowerCase() };
    const existing = ctx.sql('SELECT org_id FROM users WHERE id = ?').get(user.id) as { org_id: string } | undefined;
    if (existing && existing.org_id !== user.orgId) throw conflict(`user ${user.id} belongs to another org`);
    ctx.sql(`INSERT INTO users (id, org_id, partner_id, email, is_admin, data) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET email = excluded.email, is_admin = excluded.is_admin, data = excluded.data`)
      .run(user.id, user.orgId, partnerId, user.email, user.roles.length > 0 ? 1 : 0, JSON.stringify(user));
    ctx.recordChange('user', user.id);
    return user;
  });
  const recordLastEmail = db.transaction((email: string, lastEmail: LastEmail, partnerId?: string): number => {
    const at = Date.parse(lastEmail.at);
    let updated = 0;
    const rows = partnerId
      ? ctx.sql('SELECT data FROM users WHERE email = ? AND partner_id = ?').all(email, partnerId)
      : ctx.sql('SELECT data FROM users WHERE email = ?').all(email);
    for (const user of parseAll<User>(rows as Row[])) {
      if (user.lastEmail && Date.parse(user.lastEmail.at) > at) continue;
      ctx.sql('UPDATE users SET data = ? WHERE id = ?').run(JSON.stringify({ ...user, lastEmail }), user.id);
      ctx.recordChange('user', user.id);
      updated += 1;
    }
    return updated;
  });
  return {
    upsert: async (input) => upsert(input),
    get: async (partnerId, id) =>
      parse<User>(ctx.sql('SELECT data FROM users WHERE id = ? AND partner_id = ?').get(id, partnerId) as Row),
    listByOrg: async (partnerId, orgId, page: Page) => parseAll<User>(ctx.sql(
      `SELECT data FROM users WHERE partner_id = ? AND org_id = ?
       ORDER BY json_extract(data, '$.displayName'), id LIMIT ? OFFSET ?`,
    ).all(partnerId, orgId, page.limit, page.offset) as Row[]),
    countByOrg: async (partnerId, orgId) => (ctx.sql(
      'SELECT COUNT(*) AS n FROM users WHERE partner_id = ? AND org_id = ?',
    ).get(partnerId, orgId) as { n: number }).n,
    listAdmins: async (partnerId, orgId) => parseAll<User>(ctx.sql(
      `SELECT data FROM users WHERE partner_id = ? AND org_id = ? AND is_admin = 1
       ORDER BY json_extract(data, '$.displayName'), id`,
    ).all(partnerId, orgId) as Row[]),
    findByEmail: async (partnerId, email) => parseAll<User>(ctx.sql(
      'SELECT data FROM users WHERE partner_id = ? AND email = ? ORDER BY id',
    ).all(partnerId, email.trim().toLowerCase()) as Row[]),
    findFullAdminsByEmail: findFullAdminsByEmail(db),
    count: async (partnerId) => ctx.count('users', partnerId),
    getByIds: async (ids) => ctx.getByIds<User>('users', ids),
    scan: (batchSize, part) => ctx.scanTable<User>('users', batchSize, part),
    // IMMEDIATE: the newer-or-not comparison and the write happen under one write lock.
    recordLastEmail: async (email, lastEmail, partnerId) => recordLastEmail.immediate(email.trim().toLowerCase(), lastEmail, partnerId),
  };
}

/** users.findFullAdminsByEmail: any partner, by the address index, role checked in the JSON. */
function findFullAdminsByEmail(db: Database.Database) {
  const stmt = db.prepare(`SELECT data FROM users WHERE email = ? AND is_admin = 1
    AND EXISTS (SELECT 1 FROM json_each(users.data, '$.roles') WHERE value = 'full_admin') ORDER BY partner_id, id`);
  return async (email: string): Promise<User[]> => parseAll<User>(stmt.all(email.trim().toLowerCase()));
}
