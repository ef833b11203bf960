// What the mail provider reports: the suppression list, mail events, and the replay keys of its signed webhook calls.
// Its embedded adapter (SQLite): the tables and the repository.
import { type SqliteContext, parse, type Row } from '../embedded/context';
import type { EmailEvent, EmailEventRepo, ReplayRepo, Suppression, SuppressionRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS suppressions (email TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS email_events (
  email TEXT NOT NULL, type TEXT NOT NULL, message_kind TEXT NOT NULL, at_ms INTEGER NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (email, type, message_kind, at_ms));
CREATE INDEX IF NOT EXISTS email_events_newest ON email_events (email, at_ms);
CREATE TABLE IF NOT EXISTS replays (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS replays_expiry ON replays (expires_at);
`;

export function embeddedSuppressionRepo(ctx: SqliteContext): SuppressionRepo {
  const norm = (email: string) => email.trim().toLowerCase();
  const remove = ctx.sql('DELETE FROM suppressions WHERE email = ? RETURNING data');
  return {
    get: async (email) => parse<Suppression>(ctx.sql('SELECT data FROM suppressions WHERE email = ?').get(norm(email)) as Row),
    upsert: async (entry) => {
      const suppression = { ...entry, email: norm(entry.email) };
      ctx.sql('INSERT INTO suppressions (email, data) VALUES (?, ?) ON CONFLICT(email) DO UPDATE SET data = excluded.data')
        .run(suppression.email, JSON.stringify(suppression));
    },
    remove: async (email) => parse<Suppression>(remove.get(norm(email)) as Row),
  };
}

export function embeddedEmailEventRepo(ctx: SqliteContext): EmailEventRepo {
  return {
    append: async (e: EmailEvent) => {
      const event = { ...e, email: e.email.trim().toLowerCase() };
      return ctx.sql(`INSERT OR IGNORE INTO email_events (email, type, message_kind, at_ms, data) VALUES (?, ?, ?, ?, ?)`)
        .run(event.email, event.type, event.messageKind, Date.parse(event.at), JSON.stringify(event)).changes === 1;
    },
    latest: async (email) => parse<EmailEvent>(ctx.sql(
      'SELECT data FROM email_events WHERE email = ? ORDER BY at_ms DESC, rowid DESC LIMIT 1',
    ).get(email.trim().toLowerCase()) as Row),
  };
}

export function embeddedReplayRepo(ctx: SqliteContext): ReplayRepo {
  const db = ctx.db;
  const claim = db.transaction((key: string, expiresAt: number, now: number) => {
    ctx.sql('DELETE FROM replays WHERE expires_at <= ?').run(now);
    return ctx.sql('INSERT OR IGNORE INTO replays (key, expires_at) VALUES (?, ?)').run(key, expiresAt).changes === 1;
  });
  return {
    claim: async (key, expiresAt, now) => claim.immediate(key, expiresAt.getTime(), now.getTime()),
    release: async (key) => { ctx.sql('DELETE FROM replays WHERE key = ?').run(key); },
  };
}
