// What each agent opened lately, on the embedded store (SQLite): one row per agent and record, the newest kept.
import type { SqliteContext } from '../embedded/context';
import type { RecentItem, RecentKind, RecentRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS recent_views (
  agent_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, opened_at INTEGER NOT NULL,
  PRIMARY KEY (agent_id, kind, id));
CREATE INDEX IF NOT EXISTS recent_views_newest ON recent_views (agent_id, opened_at);
`;

interface RecentRow { agent_id: string; kind: RecentKind; id: string; opened_at: number }

const toItem = (r: RecentRow): RecentItem =>
  ({ agentId: r.agent_id, kind: r.kind, id: r.id, openedAt: new Date(r.opened_at).toISOString() });

export function embeddedRecentRepo({ db }: SqliteContext): RecentRepo {
  const upsert = db.prepare(`INSERT INTO recent_views (agent_id, kind, id, opened_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (agent_id, kind, id) DO UPDATE SET opened_at = MAX(opened_at, excluded.opened_at)`);
  // Ties on the same millisecond are broken the same way in list and prune.
  const prune = db.prepare(`DELETE FROM recent_views WHERE agent_id = ? AND rowid NOT IN (
    SELECT rowid FROM recent_views WHERE agent_id = ? ORDER BY opened_at DESC, kind, id LIMIT ?)`);
  const newest = db.prepare('SELECT * FROM recent_views WHERE agent_id = ? ORDER BY opened_at DESC, kind, id LIMIT ?');
  const record = db.transaction((item: RecentItem, keep: number) => {
    upsert.run(item.agentId, item.kind, item.id, Date.parse(item.openedAt));
    prune.run(item.agentId, item.agentId, keep);
  });
  return {
    record: async (item, keep) => { record.immediate(item, keep); },
    list: async (agentId, limit) => (newest.all(agentId, limit) as RecentRow[]).map(toItem),
  };
}
