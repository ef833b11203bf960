// The partners: the tenants every other record belongs to.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { MongooseContext } from '../mongoose/context';
import type { Partner, PartnerRepo } from './port';

export function mongoosePartnerRepo(ctx: MongooseContext): PartnerRepo {
  const { Partner } = ctx.m;
  return {
    upsert: (p) => ctx.run(async () => {
      await ctx.validate(Partner, p);
      await Partner.replaceOne({ id: p.id }, p, { upsert: true });
    }),
    get: (id) => ctx.findOne<Partner>(Partner, { id }),
    list: () => ctx.findMany<Partner>(Partner, {}, { id: 1 }),
  };
}
