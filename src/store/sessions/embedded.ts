// express-session's sessions, shared by every app process.
// Its embedded adapter (SQLite): the tables and the repository.
import type { SqliteContext } from '../embedded/context';
import type { SessionRecord, SessionRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  sid TEXT PRIMARY KEY, agent_id TEXT, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
CREATE INDEX IF NOT EXISTS sessions_agent ON sessions (agent_id);
`;

export function embeddedSessionRepo(ctx: SqliteContext): SessionRepo {
  return {
    get: async (sid, now) => {
      const row = ctx.sql('SELECT sid, agent_id, data, expires_at FROM sessions WHERE sid = ? AND expires_at > ?')
        .get(sid, now.getTime()) as { sid: string; agent_id: string | null; data: string; expires_at: number } | undefined;
      return row
        ? { sid: row.sid, agentId: row.agent_id, data: row.data, expiresAt: new Date(row.expires_at).toISOString() }
        : null;
    },
    set: async (r: SessionRecord) => {
      ctx.sql(`INSERT INTO sessions (sid, agent_id, data, expires_at) VALUES (?, ?, ?, ?)
        ON CONFLICT(sid) DO UPDATE SET agent_id = excluded.agent_id, data = excluded.data, expires_at = excluded.expires_at`)
        .run(r.sid, r.agentId, r.data, Date.parse(r.expiresAt));
    },
    touch: async (sid, expiresAt) => {
      ctx.sql('UPDATE sessions SET expires_at = ? WHERE sid = ?').run(Date.parse(expiresAt), sid);
    },
    destroy: async (sid) => { ctx.sql('DELETE FROM sessions WHERE sid = ?').run(sid); },
    destroyByAgent: async (agentId) => ctx.sql('DELETE FROM sessions WHERE agent_id = ?').run(agentId).changes,
    purgeExpired: async (now) => ctx.sql('DELETE FROM sessions WHERE expires_at <= ?').run(now.getTime()).changes,
  };
}
