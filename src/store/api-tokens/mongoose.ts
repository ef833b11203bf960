// API tokens of agents and integrations; only their hash is stored.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { MongooseContext } from '../mongoose/context';
import type { ApiToken, ApiTokenRepo } from './port';

export function mongooseApiTokenRepo(ctx: MongooseContext): ApiTokenRepo {
  const { ApiToken } = ctx.m;
  return {
    create: (t) => ctx.run(async () => {
      await ctx.validate(ApiToken, t);
      await ApiToken.create(t);
    }),
    getByHash: (tokenHash) => ctx.findOne<ApiToken>(ApiToken, { tokenHash }),
    touch: (id, at) => ctx.run(async () => { await ApiToken.updateOne({ id }, { $set: { lastUsedAt: at } }); }),
    // One conditional update: the partner check and "not revoked yet" hold at the moment of writing.
    revoke: (partnerId, id, at) => ctx.run(async () =>
      (await ApiToken.updateOne({ id, partnerId, revokedAt: null }, { $set: { revokedAt: at } })).modifiedCount === 1),
    listByPartner: (partnerId) => ctx.findMany<ApiToken>(ApiToken, { partnerId }, { createdAt: -1 }),
  };
}
