// Customer organizations, each of one partner.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import { conflict, invalid } from '../../errors';
import type { MongooseContext } from '../mongoose/context';
import type { Org, OrgRepo } from './port';

export function mongooseOrgRepo(ctx: MongooseContext): OrgRepo {
  const { Org, Partner } = ctx.m;
  const scoped = (partnerId?: string) => (partnerId === undefined ? {} : { partnerId });
  return {
    upsert: (org) => ctx.run(async () => {
      await ctx.validate(Org, org);
      await ctx.withChange('org', org.id, async (session) => {
        const existing = await Org.findOne({ id: org.id }, { partnerId: 1 }).session(session ?? null).lean<{ partnerId: string }>();
        // An org never moves between partners: that would hand one tenant's users to another.
        if (existing && existing.partnerId !== org.partnerId) throw conflict(`org ${org.id} belongs to another partner`);
        if (!(await Partner.exists({ id: org.partnerId }).session(session ?? null))) {
          throw invalid(`partnerId: no partner with id ${org.partnerId}`, [{ field: 'partnerId', message: 'unknown partner' }]);
        }
        await Org.replaceOne({ id: org.id }, org, { upsert: true, session });
      });
    }),
    get: (partnerId, id) => ctx.findOne<Org>(Org, { id, partnerId }),
    count: (partnerId) => ctx.countDocs(Org, scoped(partnerId)),
    getByIds: (ids) => ctx.getByIds<Org>(Org, ids),
    scan: (batchSize, part) => ctx.scan<Org>(Org, batchSize, part),
  };
}
