// Single-use links that let an invited agent choose a password.
// Its embedded adapter (SQLite): the tables and the repository.
import type { SqliteContext } from '../embedded/context';
import type { PasswordSetup, PasswordSetupRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS password_setups (
  token_hash TEXT PRIMARY KEY, agent_id TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS password_setups_agent ON password_setups (agent_id);
`;

export function embeddedPasswordSetupRepo(ctx: SqliteContext): PasswordSetupRepo {
  const db = ctx.db;
  const toSetup = (r: { data: string; used_at: string | null } | undefined): PasswordSetup | null =>
    (r ? { ...(JSON.parse(r.data) as PasswordSetup), usedAt: r.used_at } : null);
  const create = db.transaction((s: PasswordSetup) => {
    // A voided link is marked used: it can never be consumed, and it stays for the record.
    ctx.sql('UPDATE password_setups SET used_at = ? WHERE agent_id = ? AND used_at IS NULL').run(s.createdAt, s.agentId);
    ctx.sql('INSERT INTO password_setups (token_hash, agent_id, expires_at, used_at, data) VALUES (?, ?, ?, ?, ?)')
      .run(s.tokenHash, s.agentId, Date.parse(s.expiresAt), s.usedAt, JSON.stringify(s));
  });
  // One conditional statement: of two submissions of the same link, exactly one gets a row back.
  const consume = ctx.sql(`UPDATE password_setups SET used_at = @at
    WHERE token_hash = @hash AND used_at IS NULL AND expires_at > @now RETURNING data, used_at`);
  return {
    create: async (s) => { create.immediate(s); },
    find: async (hash, now) => toSetup(ctx.sql(
      'SELECT data, used_at FROM password_setups WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
    ).get(hash, now.getTime()) as { data: string; used_at: string | null } | undefined),
    consume: async (hash, now) => toSetup(consume.get({ hash, now: now.getTime(), at: now.toISOString() }) as
      { data: string; used_at: string | null } | undefined),
  };
}
