// Fixed-window counters shared by every app process.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { MongooseContext } from '../mongoose/context';
import type { RateLimitRepo } from './port';

export function mongooseRateLimitRepo(ctx: MongooseContext): RateLimitRepo {
  const { RateLimit } = ctx.m;
  type Doc = { count: number; resetAt: Date };
  const hitOnce = (key: string, windowMs: number, now: Date) => {
    const live = { $gt: ['$resetAt', now] };
    // One atomic update pipeline: count up in the live window, or open a new one. Several app
    // processes hitting the same key never lose a hit to a read-modify-write race.
    return RateLimit.findOneAndUpdate(
      { key },
      [{ $set: {
        count: { $cond: [live, { $add: ['$count', 1] }, 1] },
        resetAt: { $cond: [live, '$resetAt', new Date(now.getTime() + windowMs)] },
      } }],
      { upsert: true, returnDocument: 'after', updatePipeline: true, setDefaultsOnInsert: false },
    ).lean<Doc>();
  };
  return {
    hit: (key, windowMs, now) => ctx.run(async () => {
      let doc: Doc | null;
      try {
        doc = await hitOnce(key, windowMs, now);
      } catch (err) {
        // A first hit racing another on a new key can lose the insert; it then counts on the winner's document.
        if ((err as { code?: unknown }).code !== 11000) throw err;
        doc = await hitOnce(key, windowMs, now);
      }
      return { count: doc!.count, resetAt: doc!.resetAt };
    }),
    count: (key, now) => ctx.run(async () =>
      (await RateLimit.findOne({ key, resetAt: { $gt: now } }, { count: 1 }).lean<Doc>())?.count ?? 0),
    decrement: (key) => ctx.run(async () => { await RateLimit.updateOne({ key, count: { $gt: 0 } }, { $inc: { count: -1 } }); }),
    reset: (key) => ctx.run(async () => { await RateLimit.deleteOne({ key }); }),
  };
}
