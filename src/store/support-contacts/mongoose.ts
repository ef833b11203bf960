// Named support contacts: kept on the user record (users/), listed and changed here with the quota checked.
// Its MongoDB adapter (mongoose); it has no collection of its own.
import type { ClientSession } from 'mongoose';
import type { MongooseContext } from '../mongoose/context';
import type { AddSupportContactResult, SupportContact, SupportContactRepo } from './port';

export function mongooseSupportContactRepo(ctx: MongooseContext): SupportContactRepo {
  const { Counter, User } = ctx.m;
  const userInOrg = (partnerId: string, orgId: string, userId: string, session?: ClientSession) =>
    User.findOne({ id: userId, partnerId, orgId }, { supportContactFor: 1 }).session(session ?? null)
      .lean<{ supportContactFor: string[] }>();
  return {
    listByOrg: (partnerId, orgId) => ctx.run(() => User.aggregate<SupportContact>([
      { $match: { partnerId, orgId, 'supportContactFor.0': { $exists: true } } },
      { $unwind: '$supportContactFor' },
      { $project: { _id: 0, product: '$supportContactFor', userId: '$id', displayName: 1, email: 1 } },
      { $sort: { product: 1, displayName: 1, userId: 1 } },
    ])),
    add: (partnerId, orgId, userId, product, quota) => ctx.run(async () => {
      let result: AddSupportContactResult = 'no_such_user';
      await ctx.withChange('user', userId, async (session) => {
        const user = await userInOrg(partnerId, orgId, userId, session);
        if (!user) { result = 'no_such_user'; return false; }
        if (user.supportContactFor.includes(product)) { result = 'already'; return false; }
        // Two additions for different users would each count quota - 1 and both commit (snapshot
        // isolation allows that write skew). Both also write this one document, so the second
        // transaction conflicts, is retried, and counts again.
        await Counter.updateOne(
          { _id: `support-contacts:${orgId}:${product}` }, { $inc: { seq: 1 } }, { upsert: true, session },
        );
        const taken = await User.countDocuments({ partnerId, orgId, supportContactFor: product }).session(session ?? null);
        if (taken >= quota) { result = 'quota_reached'; return false; }
        await User.updateOne({ id: userId, partnerId, orgId }, { $addToSet: { supportContactFor: product } }, { session });
        result = 'added';
        return true;
      });
      return result;
    }),
    remove: (partnerId, orgId, userId, product) => ctx.run(async () => {
      let removed = false;
      await ctx.withChange('user', userId, async (session) => {
        const res = await User.updateOne(
          { id: userId, partnerId, orgId, supportContactFor: product }, { $pull: { supportContactFor: product } }, { session },
        );
        removed = res.modifiedCount === 1;
        return removed;
      });
      return removed;
    }),
  };
}
