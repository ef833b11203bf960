// express-session's sessions, shared by every app process.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { MongooseContext } from '../mongoose/context';
import type { SessionRecord, SessionRepo } from './port';

export function mongooseSessionRepo(ctx: MongooseContext): SessionRepo {
  const { Session } = ctx.m;
  type Doc = { sid: string; agentId: string | null; data: string; expiresAt: Date };
  return {
    get: (sid, now) => ctx.run(async () => {
      const doc = await Session.findOne({ sid, expiresAt: { $gt: now } }).lean<Doc>();
      return doc ? { sid: doc.sid, agentId: doc.agentId ?? null, data: doc.data, expiresAt: doc.expiresAt.toISOString() } : null;
    }),
    set: (r: SessionRecord) => ctx.run(async () => {
      await Session.updateOne(
        { sid: r.sid },
        { $set: { agentId: r.agentId, data: r.data, expiresAt: new Date(r.expiresAt) } },
        { upsert: true, runValidators: true },
      );
    }),
    touch: (sid, expiresAt) => ctx.run(async () => {
      await Session.updateOne({ sid }, { $set: { expiresAt: new Date(expiresAt) } });
    }),
    destroy: (sid) => ctx.run(async () => { await Session.deleteOne({ sid }); }),
    destroyByAgent: (agentId) => ctx.run(async () => (await Session.deleteMany({ agentId })).deletedCount),
    purgeExpired: (now) => ctx.run(async () => (await Session.deleteMany({ expiresAt: { $lte: now } })).deletedCount),
  };
}
