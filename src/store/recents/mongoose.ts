// What each agent opened lately (the home page's "recent" list).
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { MongooseContext } from '../mongoose/context';
import type { RecentKind, RecentRepo } from './port';

export function mongooseRecentRepo(ctx: MongooseContext): RecentRepo {
  const { RecentView } = ctx.m;
  type Doc = { _id: unknown; agentId: string; kind: RecentKind; id: string; openedAt: Date };
  // Ties on the same millisecond are broken the same way in list and prune.
  const NEWEST = { openedAt: -1, kind: 1, id: 1 } as const;
  return {
    record: (item, keep) => ctx.run(async () => {
      const openedAt = new Date(item.openedAt);
      const key = { agentId: item.agentId, kind: item.kind, id: item.id };
      try {
        await RecentView.updateOne(key, { $max: { openedAt } }, { upsert: true });
      } catch (err) {
        // Two first opens at once: one insert wins the unique key, the other becomes an update.
        if ((err as { code?: unknown }).code !== 11000) throw err;
        await RecentView.updateOne(key, { $max: { openedAt } });
      }
      const stale = await RecentView.find({ agentId: item.agentId }, { _id: 1 }).sort(NEWEST).skip(keep).lean<Doc[]>();
      if (stale.length) await RecentView.deleteMany({ _id: { $in: stale.map((d) => d._id) } });
    }),
    list: (agentId, limit) => ctx.run(async () => {
      const docs = await RecentView.find({ agentId }).sort(NEWEST).limit(limit).lean<Doc[]>();
      return docs.map((d) => ({ agentId: d.agentId, kind: d.kind, id: d.id, openedAt: d.openedAt.toISOString() }));
    }),
  };
}
