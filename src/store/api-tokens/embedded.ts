// API tokens of agents and integrations; only their hash is stored.
// Its embedded adapter (SQLite): the tables and the repository.
import { type SqliteContext, parse, parseAll, type Row } from '../embedded/context';
import type { ApiToken, ApiTokenRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_tokens (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS api_tokens_partner ON api_tokens (partner_id);
`;

export function embeddedApiTokenRepo(ctx: SqliteContext): ApiTokenRepo {
  const get = (id: string) => parse<ApiToken>(ctx.sql('SELECT data FROM api_tokens WHERE id = ?').get(id) as Row);
  const save = (t: ApiToken) => ctx.sql('UPDATE api_tokens SET data = ? WHERE id = ?').run(JSON.stringify(t), t.id);
  return {
    create: async (t) => {
      ctx.sql('INSERT INTO api_tokens (id, partner_id, token_hash, data) VALUES (?, ?, ?, ?)')
        .run(t.id, t.partnerId, t.tokenHash, JSON.stringify(t));
    },
    getByHash: async (hash) =>
      parse<ApiToken>(ctx.sql('SELECT data FROM api_tokens WHERE token_hash = ?').get(hash) as Row),
    touch: async (id, at) => {
      const t = get(id);
      if (t) save({ ...t, lastUsedAt: at });
    },
    revoke: async (partnerId, id, at) => {
      const t = get(id);
      if (!t || t.partnerId !== partnerId || t.revokedAt) return false;
      save({ ...t, revokedAt: at });
      return true;
    },
    listByPartner: async (partnerId) => parseAll<ApiToken>(ctx.sql(
      "SELECT data FROM api_tokens WHERE partner_id = ? ORDER BY json_extract(data, '$.createdAt') DESC",
    ).all(partnerId) as Row[]),
  };
}
