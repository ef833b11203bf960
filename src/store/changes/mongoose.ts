// The change outbox the search indexers follow, and their cursors.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { MongooseContext } from '../mongoose/context';
import type { Change, ChangeRepo, ChangedEntity } from './port';

/**
 * How long a gap in the outbox's sequence may stay open before listAfter steps over it.
 *
 * A writer takes its seq from the `counters` document ($inc, outside its transaction, so writers
 * never queue behind one another on that document) and commits the change row a moment later, so
 * seq 11 can become visible before seq 10. An indexer that read 11 and moved its cursor past 10
 * would never see 10. listAfter therefore stops at the first missing seq until the change after it
 * was written SETTLE_MS ago (by the server's clock, $$NOW, so app hosts' clocks do not matter): a
 * writer takes its seq right before inserting the row and committing, which takes milliseconds, so
 * by then the missing seq is either visible or will never be (its transaction aborted: gaps are
 * normal and harmless). The cost is that a permanent gap delays the changes behind it by SETTLE_MS,
 * once. This was chosen over re-reading an overlap in the indexer because it keeps the port's
 * promise ("seq > after, oldest first, nothing skipped") inside the adapter that breaks it. A write
 * slower than SETTLE_MS (a stalled primary, a long lock wait) would still be stepped over: the
 * indexer logs every gap it steps over and looks for it again for GAP_RECHECK_MS
 * (src/search-index/indexer.ts), so such a change is applied late instead of lost.
 */
export const SETTLE_MS = 5_000;

export function mongooseChangeRepo(ctx: MongooseContext): ChangeRepo {
  const { Change, Counter } = ctx.m;
  type Row = { seq: number; entity: ChangedEntity; id: string; at: Date; settled: boolean };
  return {
    listAfter: (after, limit) => ctx.run(async () => {
      const rows = await Change.aggregate<Row>([
        { $match: { seq: { $gt: after } } },
        { $sort: { seq: 1 } },
        { $limit: limit },
        { $project: {
          _id: 0, seq: 1, entity: 1, id: 1, at: 1,
          settled: { $lte: ['$writtenAt', { $subtract: ['$$NOW', SETTLE_MS] }] },
        } },
      ]);
      const out: Change[] = [];
      let expected = after + 1;
      for (const row of rows) {
        if (row.seq !== expected && !row.settled) break;
        out.push({ seq: row.seq, entity: row.entity, id: row.id, at: row.at.toISOString() });
        expected = row.seq + 1;
      }
      return out;
    }),
    latestSeq: () => ctx.run(async () => {
      const last = await Change.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean<{ seq: number }>();
      if (last) return last.seq;
      // Everything was pruned: the counter still says how far the sequence went.
      const counter = await Counter.findById('changes').lean<{ seq: number }>();
      return counter?.seq ?? 0;
    }),
    requestRebuild: () => ctx.run(() => ctx.appendChange('all', '*')),
    getCursor: (consumer) => ctx.run(async () =>
      (await Counter.findById(`cursor:${consumer}`).lean<{ seq: number }>())?.seq ?? null),
    // $max keeps the cursor monotonic when several app processes save it.
    saveCursor: (consumer, seq) => ctx.run(async () => {
      await Counter.updateOne({ _id: `cursor:${consumer}` }, { $max: { seq } }, { upsert: true });
    }),
    prune: (before) => ctx.run(async () => (await Change.deleteMany({ at: { $lt: before } })).deletedCount),
  };
}
