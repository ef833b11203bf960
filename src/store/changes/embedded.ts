// The change outbox the search indexers follow, and their cursors.
// Its embedded adapter (SQLite): the tables and the repository.
import type { SqliteContext } from '../embedded/context';
import type { Change, ChangeRepo, ChangedEntity } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, id TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS change_cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL);
`;

export function embeddedChangeRepo(ctx: SqliteContext): ChangeRepo {
  const db = ctx.db;
  return {
    listAfter: async (after, limit) => ctx.sql(
      'SELECT seq, entity, id, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
    ).all(after, limit) as Change[],
    latestSeq: async () => (ctx.sql('SELECT COALESCE(MAX(seq), 0) AS seq FROM changes').get() as { seq: number }).seq,
    requestRebuild: async () => { ctx.recordChange('all', '*'); },
    getCursor: async (consumer) =>
      (db.prepare('SELECT seq FROM change_cursors WHERE consumer = ?').get(consumer) as { seq: number } | undefined)?.seq ?? null,
    saveCursor: async (consumer, seq) => {
      db.prepare(`INSERT INTO change_cursors (consumer, seq) VALUES (?, ?)
        ON CONFLICT(consumer) DO UPDATE SET seq = MAX(seq, excluded.seq)`).run(consumer, seq);
    },
    prune: async (before) => ctx.sql('DELETE FROM changes WHERE at < ?').run(before.toISOString()).changes,
  };
}

/** The change-outbox writer: appends one change row, in the transaction of the write it describes. */
export function embeddedChangeWriter(ctx: SqliteContext): (entity: ChangedEntity, id: string) => void {
  return (entity, id) => {
    ctx.sql('INSERT INTO changes (entity, id, at) VALUES (?, ?, ?)').run(entity, id, new Date().toISOString());
  };
}
