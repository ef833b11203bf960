// Identity verification codes sent to users.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { ClientSession } from 'mongoose';
import { type MongooseContext, plain, type Lean } from '../mongoose/context';
import type { Verification, VerificationRepo } from './port';

export function mongooseVerificationRepo(ctx: MongooseContext): VerificationRepo {
  const { Verification } = ctx.m;
  type Doc = Omit<Verification, 'expiresAt'> & { expiresAt: Date };
  const out = (doc: Doc | null): Verification | null =>
    (doc ? { ...plain<Doc>(doc as unknown as Lean), expiresAt: doc.expiresAt.toISOString() } : null);
  return {
    create: (v) => ctx.run(async () => {
      const record = { ...v, expiresAt: new Date(v.expiresAt) };
      await ctx.validate(Verification, record);
      const write = async (session?: ClientSession) => {
        // Only the newest code of a user may be answered: the caller reads the latest mail.
        await Verification.updateMany(
          { partnerId: v.partnerId, userId: v.userId, outcome: 'pending' },
          { $set: { outcome: 'voided', settledAt: v.createdAt } },
          { session },
        );
        await Verification.create([record], { session });
      };
      await ctx.inTransaction(write);
    }),
    get: (partnerId, id) => ctx.run(async () => out(await Verification.findOne({ id, partnerId }).lean<Doc>())),
    latestForUser: (partnerId, userId) => ctx.run(async () =>
      // _id (an ObjectId, increasing) breaks ties between codes sent in the same millisecond.
      out(await Verification.findOne({ partnerId, userId }).sort({ createdAt: -1, _id: -1 }).lean<Doc>())),
    attempt: (partnerId, id, a) => ctx.run(async () => {
      const at = a.now.toISOString();
      const last = { $gte: [{ $add: ['$attempts', 1] }, a.maxAttempts] };
      // One conditional write, like the embedded store's UPDATE … WHERE: of two correct answers at
      // once only the first still finds the code pending, so it is verified exactly once.
      const doc = await Verification.findOneAndUpdate(
        { id, partnerId, outcome: 'pending', expiresAt: { $gt: a.now }, attempts: { $lt: a.maxAttempts } },
        [{ $set: {
          attempts: { $add: ['$attempts', 1] },
          outcome: a.correct ? { $literal: 'verified' } : { $cond: [last, 'locked', 'pending'] },
          settledAt: a.correct ? { $literal: at } : { $cond: [last, { $literal: at }, '$settledAt'] },
        } }],
        { returnDocument: 'after', updatePipeline: true },
      ).lean<Doc>();
      return out(doc);
    }),
    void: (partnerId, id, at) => ctx.run(async () => {
      await Verification.updateOne(
        { id, partnerId, outcome: 'pending' }, { $set: { outcome: 'voided', settledAt: at.toISOString() } },
      );
    }),
  };
}
