// The partners' agents (help-desk staff and partner admins).
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import { conflict } from '../../errors';
import { type MongooseContext, normalizeEmail } from '../mongoose/context';
import type { Agent, AgentRepo } from './port';

export function mongooseAgentRepo(ctx: MongooseContext): AgentRepo {
  const { Agent } = ctx.m;
  const write = (agent: Agent, insert: boolean) => ctx.run(async () => {
    const record = { ...agent, email: normalizeEmail(agent.email) };
    await ctx.validate(Agent, record);
    try {
      if (insert) await Agent.create(record);
      else await Agent.replaceOne({ id: agent.id }, record);
    } catch (err) {
      if ((err as { code?: unknown }).code === 11000 && 'email' in ((err as { keyPattern?: object }).keyPattern ?? {})) {
        throw conflict(`An agent with email ${record.email} already exists.`);
      }
      throw err;
    }
  });
  return {
    create: (agent) => write(agent, true),
    update: (agent) => write(agent, false),
    get: (id) => ctx.findOne<Agent>(Agent, { id }),
    getByEmail: (email) => ctx.findOne<Agent>(Agent, { email: normalizeEmail(email) }),
    listByPartner: (partnerId) => ctx.findMany<Agent>(Agent, { partnerId }, { email: 1 }),
  };
}
