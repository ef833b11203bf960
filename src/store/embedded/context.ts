// What every repository of EmbeddedStore shares: the SQLite handle, the prepared-statement cache,
// the change-outbox writer and the few reads several repositories need (docs/architecture.md, "The store").
import type Database from 'better-sqlite3';
import { invalid } from '../../errors';
import type { ChangedEntity } from '../records';
import type { ScanPart } from '../common';

export type Row = { data: string };
export const parse = <T>(row: unknown): T | null => (row ? (JSON.parse((row as Row).data) as T) : null);
export const parseAll = <T>(rows: unknown[]): T[] => rows.map((r) => JSON.parse((r as Row).data) as T);

export class SqliteContext {
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * `recordChange` appends a change row (src/store/changes/embedded.ts); repositories call it in the
   * same transaction as the write it describes.
   */
  constructor(readonly db: Database.Database, readonly recordChange: (entity: ChangedEntity, id: string) => void) {}

  /**
   * Each distinct SQL text is prepared once and reused: preparing parses and plans the statement,
   * which cost more than the write itself on the import path.
   */
  sql(source: string): Database.Statement {
    let stmt = this.statements.get(source);
    if (!stmt) {
      stmt = this.db.prepare(source);
      this.statements.set(source, stmt);
    }
    return stmt;
  }

  orgPartner(orgId: string): string {
    const row = this.sql('SELECT partner_id FROM orgs WHERE id = ?').get(orgId) as { partner_id: string } | undefined;
    if (!row) throw invalid(`orgId: no org with id ${orgId}`, [{ field: 'orgId', message: 'unknown org' }]);
    return row.partner_id;
  }

  /**
   * Pages by rowid, the table's own order: reading by id went through the id index and fetched
   * each row at random, four times slower at a million rows. An upsert keeps its row's rowid and a
   * new row gets a higher one, so every row present for the whole scan comes exactly once.
   */
  async *scanTable<T>(table: string, batchSize: number, part: ScanPart = { index: 0, of: 1 }): AsyncIterable<T[]> {
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

  getByIds<T>(table: string, ids: string[]): T[] {
    if (ids.length === 0) return [];
    // json_each keeps this one statement whatever the number of ids.
    return parseAll<T>(this.sql(
      `SELECT data FROM ${table} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ).all(JSON.stringify(ids)));
  }

  count(table: string, partnerId?: string): number {
    const row = partnerId === undefined
      ? this.sql(`SELECT COUNT(*) AS n FROM ${table}`).get()
      : this.sql(`SELECT COUNT(*) AS n FROM ${table} WHERE partner_id = ?`).get(partnerId);
    return (row as { n: number }).n;
  }
}
