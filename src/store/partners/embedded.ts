// The partners: the tenants every other record belongs to.
// Its embedded adapter (SQLite): the tables and the repository.
import { type SqliteContext, parse, parseAll, type Row } from '../embedded/context';
import type { Partner, PartnerRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS partners (id TEXT PRIMARY KEY, data TEXT NOT NULL);
`;

export function embeddedPartnerRepo(ctx: SqliteContext): PartnerRepo {
  return {
    upsert: async (p: Partner) => {
      ctx.sql('INSERT INTO partners (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data')
        .run(p.id, JSON.stringify(p));
    },
    get: async (id) => parse<Partner>(ctx.sql('SELECT data FROM partners WHERE id = ?').get(id) as Row),
    list: async () => parseAll<Partner>(ctx.sql('SELECT data FROM partners ORDER BY id').all() as Row[]),
  };
}
