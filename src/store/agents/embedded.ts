// The partners' agents (help-desk staff and partner admins).
// Its embedded adapter (SQLite): the tables and the repository.
import { conflict } from '../../errors';
import { type SqliteContext, parse, parseAll, type Row } from '../embedded/context';
import type { Agent, AgentRepo } from './port';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS agents_partner ON agents (partner_id);
`;

export function embeddedAgentRepo(ctx: SqliteContext): AgentRepo {
  const write = (agent: Agent, insert: boolean) => {
    const email = agent.email.trim().toLowerCase();
    try {
      if (insert) {
        ctx.sql('INSERT INTO agents (id, partner_id, email, data) VALUES (?, ?, ?, ?)')
          .run(agent.id, agent.partnerId, email, JSON.stringify({ ...agent, email }));
      } else {
        ctx.sql('UPDATE agents SET email = ?, data = ? WHERE id = ?').run(email, JSON.stringify({ ...agent, email }), agent.id);
      }
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw conflict(`An agent with email ${email} already exists.`);
      throw err;
    }
  };
  return {
    create: async (agent) => write(agent, true),
    update: async (agent) => write(agent, false),
    get: async (id) => parse<Agent>(ctx.sql('SELECT data FROM agents WHERE id = ?').get(id) as Row),
    getByEmail: async (email) =>
      parse<Agent>(ctx.sql('SELECT data FROM agents WHERE email = ?').get(email.trim().toLowerCase()) as Row),
    listByPartner: async (partnerId) =>
      parseAll<Agent>(ctx.sql('SELECT data FROM agents WHERE partner_id = ? ORDER BY email').all(partnerId) as Row[]),
  };
}
