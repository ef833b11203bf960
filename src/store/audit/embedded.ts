// The audit log: append and query, newest first.
// Its embedded adapter (SQLite): the tables and the repository.
import { type SqliteContext, parseAll, type Row } from '../embedded/context';
import type { AuditEvent, AuditQuery, AuditRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY, at TEXT NOT NULL, partner_id TEXT, org_id TEXT, actor_id TEXT,
  subject TEXT, action TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_partner_at ON audit_events (partner_id, at);
`;

export function embeddedAuditRepo(ctx: SqliteContext): AuditRepo {
  return {
    append: async (e: AuditEvent) => {
      ctx.sql(`INSERT INTO audit_events (id, at, partner_id, org_id, actor_id, subject, action, data)
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
      const total = (ctx.sql(`SELECT COUNT(*) AS n FROM audit_events WHERE ${clause}`).get(params) as { n: number }).n;
      const events = parseAll<AuditEvent>(ctx.sql(
        `SELECT data FROM audit_events WHERE ${clause} ORDER BY at DESC, id DESC LIMIT @limit OFFSET @offset`,
      ).all(params) as Row[]);
      return { events, total };
    },
  };
}
