// Customer organizations, each of one partner.
// Its embedded adapter (SQLite): the tables and the repository.
import { conflict, invalid } from '../../errors';
import { type SqliteContext, parse, type Row } from '../embedded/context';
import type { Org, OrgRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS orgs (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orgs_partner ON orgs (partner_id);
`;

export function embeddedOrgRepo(ctx: SqliteContext): OrgRepo {
  const db = ctx.db;
  const upsert = db.transaction((org: Org) => {
    const existing = ctx.sql('SELECT partner_id FROM orgs WHERE id = ?').get(org.id) as { partner_id: string } | undefined;
    // An org never moves between partners: that would hand one tenant's users to another.
    if (existing && existing.partner_id !== org.partnerId) {
      throw conflict(`org ${org.id} belongs to another partner`);
    }
    if (!ctx.sql('SELECT 1 FROM partners WHERE id = ?').get(org.partnerId)) {
      throw invalid(`partnerId: no partner with id ${org.partnerId}`, [{ field: 'partnerId', message: 'unknown partner' }]);
    }
    ctx.sql(`INSERT INTO orgs (id, partner_id, data) VALUES (?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET data = excluded.data`).run(org.id, org.partnerId, JSON.stringify(org));
    ctx.recordChange('org', org.id);
  });
  return {
    upsert: async (org) => { upsert(org); },
    get: async (partnerId, id) =>
      parse<Org>(ctx.sql('SELECT data FROM orgs WHERE id = ? AND partner_id = ?').get(id, partnerId) as Row),
    count: async (partnerId) => ctx.count('orgs', partnerId),
    getByIds: async (ids) => ctx.getByIds<Org>('orgs', ids),
    scan: (batchSize, part) => ctx.scanTable<Org>('orgs', batchSize, part),
  };
}
