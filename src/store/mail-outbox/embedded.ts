// The local mail outbox (no SMTP_URL): mail the partner's admins read in the app.
// Its embedded adapter (SQLite): the tables and the repository.
import { type SqliteContext, parseAll, type Row } from '../embedded/context';
import type { MailOutboxRepo, OutboxMail } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS mail_outbox (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mail_outbox_partner ON mail_outbox (partner_id, created_at);
`;

export function embeddedMailOutboxRepo(ctx: SqliteContext): MailOutboxRepo {
  return {
    append: async (m: OutboxMail) => {
      ctx.sql('INSERT INTO mail_outbox (id, partner_id, created_at, data) VALUES (?, ?, ?, ?)')
        .run(m.id, m.partnerId, m.createdAt, JSON.stringify(m));
    },
    listByPartner: async (partnerId, page) => parseAll<OutboxMail>(ctx.sql(
      'SELECT data FROM mail_outbox WHERE partner_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
    ).all(partnerId, page.limit, page.offset) as Row[]),
    listAll: async (page) => parseAll<OutboxMail>(ctx.sql(
      'SELECT data FROM mail_outbox ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?',
    ).all(page.limit, page.offset) as Row[]),
  };
}
