// Fixed-window counters shared by every app process.
// Its embedded adapter (SQLite): the tables and the repository.
import type { SqliteContext } from '../embedded/context';
import type { RateLimitRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS rate_limits (
  key TEXT PRIMARY KEY, count INTEGER NOT NULL, reset_at INTEGER NOT NULL);
`;

export function embeddedRateLimitRepo(ctx: SqliteContext): RateLimitRepo {
  const db = ctx.db;
  const hit = db.transaction((key: string, windowMs: number, now: number) => {
    const row = ctx.sql('SELECT count, reset_at FROM rate_limits WHERE key = ?').get(key) as
      { count: number; reset_at: number } | undefined;
    if (!row || row.reset_at <= now) {
      ctx.sql(`INSERT INTO rate_limits (key, count, reset_at) VALUES (?, 1, ?)
        ON CONFLICT(key) DO UPDATE SET count = 1, reset_at = excluded.reset_at`).run(key, now + windowMs);
      return { count: 1, resetAt: new Date(now + windowMs) };
    }
    ctx.sql('UPDATE rate_limits SET count = count + 1 WHERE key = ?').run(key);
    return { count: row.count + 1, resetAt: new Date(row.reset_at) };
  });
  return {
    // IMMEDIATE takes the write lock before reading, so two processes never both read the old count.
    hit: async (key, windowMs, now) => hit.immediate(key, windowMs, now.getTime()),
    count: async (key, now) => {
      const row = ctx.sql('SELECT count FROM rate_limits WHERE key = ? AND reset_at > ?').get(key, now.getTime()) as
        { count: number } | undefined;
      return row?.count ?? 0;
    },
    decrement: async (key) => { ctx.sql('UPDATE rate_limits SET count = MAX(count - 1, 0) WHERE key = ?').run(key); },
    reset: async (key) => { ctx.sql('DELETE FROM rate_limits WHERE key = ?').run(key); },
  };
}
