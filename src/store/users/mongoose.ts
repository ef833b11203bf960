// The users of customer organizations, with the last mail each was sent.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import { conflict } from '../../errors';
import { type MongooseContext, normalizeEmail } from '../mongoose/context';
import type { LastEmail, User, UserRepo } from './port';

export function mongooseUserRepo(ctx: MongooseContext): UserRepo {
  const { User } = ctx.m;
  const byDisplayName = { displayName: 1, id: 1 } as const;
  return {
    upsert: (input) => ctx.run(async () => {
      let saved: User | null = null;
      await ctx.withChange('user', input.id, async (session) => {
        const partnerId = await ctx.orgPartner(input.orgId, session);
        const user: User = { ...input, partnerId, email: normalizeEmail(input.email) };
        await ctx.validate(User, user);
        const existing = await User.findOne({ id: user.id }, { orgId: 1 }).session(session ?? null).lean<{ orgId: string }>();
        if (existing && existing.orgId !== user.orgId) throw conflict(`user ${user.id} belongs to another org`);
        await User.replaceOne({ id: user.id }, user, { upsert: true, session });
        saved = user;
      });
      return saved!;
    }),
    get: (partnerId, id) => ctx.findOne<User>(User, { id, partnerId }),
    listByOrg: (partnerId, orgId, page) => ctx.findMany<User>(User, { partnerId, orgId }, byDisplayName, page),
    countByOrg: (partnerId, orgId) => ctx.countDocs(User, { partnerId, orgId }),
    listAdmins: (partnerId, orgId) =>
      ctx.findMany<User>(User, { partnerId, orgId, 'roles.0': { $exists: true } }, byDisplayName),
    findByEmail: (partnerId, email) => ctx.findMany<User>(User, { partnerId, email: normalizeEmail(email) }, { id: 1 }),
    count: (partnerId) => ctx.countDocs(User, partnerId === undefined ? {} : { partnerId }),
    getByIds: (ids) => ctx.getByIds<User>(User, ids),
    scan: (batchSize, part) => ctx.scan<User>(User, batchSize, part),
    findFullAdminsByEmail: (email) =>
      ctx.findMany<User>(User, { email: normalizeEmail(email), roles: 'full_admin' }, { partnerId: 1, id: 1 }),
    recordLastEmail: (email, lastEmail, partnerId) => ctx.run(async () => {
      let updated = 0;
      const filter = { email: normalizeEmail(email), ...(partnerId ? { partnerId } : {}) };
      const ids = (await User.find(filter, { id: 1 }).lean<Array<{ id: string }>>()).map((u) => u.id);
      for (const id of ids) if (await recordLastEmailOf(ctx, id, lastEmail)) updated += 1;
      return updated;
    }),
  };
}

/**
 * Sets one user's lastEmail unless it already holds a newer one. The write is conditional on the
 * lastEmail that was read, so a concurrent event is never overwritten blindly: on a clash, read again.
 */
async function recordLastEmailOf(ctx: MongooseContext, id: string, lastEmail: LastEmail): Promise<boolean> {
  const { User } = ctx.m;
  const at = Date.parse(lastEmail.at);
  for (;;) {
    const user = await User.findOne({ id }, { lastEmail: 1 }).lean<{ lastEmail: LastEmail | null }>();
    if (!user) return false;
    const current = user.lastEmail ?? null;
    if (current && Date.parse(current.at) > at) return false;
    let applied = false;
    await ctx.withChange('user', id, async (session) => {
      const res = await User.updateOne(
        { id, ...(current ? { 'lastEmail.at': current.at } : { lastEmail: null }) },
        { $set: { lastEmail } },
        { session, runValidators: true },
      );
      applied = res.matchedCount === 1;
      return applied;
    });
    if (applied) return true;
  }
}
