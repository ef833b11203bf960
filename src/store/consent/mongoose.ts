// Consent: read-only access grants, access requests, customer admins' sign-in links and grant reminders.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { ClientSession } from 'mongoose';
import { type MongooseContext, plain, type Lean } from '../mongoose/context';
import type { AccessRequest, AccessRequestRepo, ConsentGrant, ConsentGrantRepo, GrantReminderRepo, MagicLink, MagicLinkRepo } from './port';

export function mongooseConsentGrantRepo(ctx: MongooseContext): ConsentGrantRepo {
  const { ConsentGrant, Counter } = ctx.m;
  type Doc = Omit<ConsentGrant, 'expiresAt'> & { expiresAt: Date };
  const out = (doc: Doc | null): ConsentGrant | null =>
    (doc ? { ...plain<Doc>(doc as unknown as Lean), expiresAt: doc.expiresAt.toISOString() } : null);
  const activeAt = (now: Date) => ({ revokedAt: null, expiresAt: { $gt: now } });
  /** A conditional write on a grant still active at `now`. */
  const update = (partnerId: string, orgId: string, id: string, now: Date, set: object) => ctx.run(async () =>
    out(await ConsentGrant.findOneAndUpdate(
      { id, partnerId, orgId, ...activeAt(now) }, { $set: set }, { returnDocument: 'after', runValidators: true },
    ).lean<Doc>()));
  return {
    create: (grant, now) => ctx.run(async () => {
      const record = { ...grant, expiresAt: new Date(grant.expiresAt) };
      await ctx.validate(ConsentGrant, record);
      let created = false;
      const write = async (session?: ClientSession) => {
        // Two grants at once would each find no active grant and both commit (write skew under
        // snapshot isolation); both also write this per-org document, so the second conflicts,
        // is retried, and then finds the first.
        await Counter.updateOne({ _id: `consent-grants:${grant.orgId}` }, { $inc: { seq: 1 } }, { upsert: true, session });
        created = !(await ConsentGrant.exists({ partnerId: grant.partnerId, orgId: grant.orgId, ...activeAt(now) }).session(session ?? null));
        if (created) await ConsentGrant.create([record], { session });
      };
      await ctx.inTransaction(write);
      return created;
    }),
    get: (partnerId, orgId, id) => ctx.run(async () => out(await ConsentGrant.findOne({ id, partnerId, orgId }).lean<Doc>())),
    active: (partnerId, orgId, now) => ctx.run(async () =>
      out(await ConsentGrant.findOne({ partnerId, orgId, ...activeAt(now) }).sort({ expiresAt: -1 }).lean<Doc>())),
    listByOrg: (partnerId, orgId, page) => ctx.run(async () =>
      (await ConsentGrant.find({ partnerId, orgId }).sort({ grantedAt: -1, _id: -1 }).skip(page.offset).limit(page.limit)
        .lean<Doc[]>()).map((d) => out(d)!)),
    extend: (partnerId, orgId, id, expiresAt, now) => update(partnerId, orgId, id, now, { expiresAt: new Date(expiresAt) }),
    revoke: (partnerId, orgId, id, by, now) => update(partnerId, orgId, id, now, { revokedAt: now.toISOString(), revokedBy: by }),
    endingBy: (now, until) => ctx.run(async () =>
      (await ConsentGrant.find({ revokedAt: null, expiresAt: { $gt: now, $lte: until } }).sort({ expiresAt: 1, id: 1 })
        .lean<Doc[]>()).map((d) => out(d)!)),
  };
}

export function mongooseAccessRequestRepo(ctx: MongooseContext): AccessRequestRepo {
  const { AccessRequest } = ctx.m;
  return {
    create: (request) => ctx.run(async () => {
      await ctx.validate(AccessRequest, request);
      await AccessRequest.create(request);
    }),
    get: (partnerId, orgId, id) => ctx.findOne<AccessRequest>(AccessRequest, { id, partnerId, orgId }),
    listByOrg: (partnerId, orgId, q) => ctx.findMany<AccessRequest>(
      AccessRequest, { partnerId, orgId, ...(q.status ? { status: q.status } : {}) }, { createdAt: -1, _id: -1 }, q,
    ),
    // Conditional on "still pending": of two admins deciding at once, one settles it.
    decide: (partnerId, orgId, id, d) => ctx.run(async () => {
      const doc = await AccessRequest.findOneAndUpdate(
        { id, partnerId, orgId, status: 'pending' },
        { $set: { status: d.status, decidedBy: d.by, decidedAt: d.at, grantId: d.grantId } },
        { returnDocument: 'after', runValidators: true },
      ).lean<Lean>();
      return doc ? plain<AccessRequest>(doc) : null;
    }),
  };
}

export function mongooseMagicLinkRepo(ctx: MongooseContext): MagicLinkRepo {
  const { MagicLink } = ctx.m;
  type Doc = Omit<MagicLink, 'expiresAt'> & { expiresAt: Date };
  const out = (doc: Doc | null): MagicLink | null =>
    (doc ? { ...plain<Doc>(doc as unknown as Lean), expiresAt: doc.expiresAt.toISOString() } : null);
  const usable = (tokenHash: string, now: Date) => ({ tokenHash, consumedAt: null, expiresAt: { $gt: now } });
  return {
    create: (link) => ctx.run(async () => {
      const record = { ...link, expiresAt: new Date(link.expiresAt) };
      await ctx.validate(MagicLink, record);
      await MagicLink.create(record);
    }),
    peek: (tokenHash, now) => ctx.run(async () => out(await MagicLink.findOne(usable(tokenHash, now)).lean<Doc>())),
    // One conditional write: only the first caller gets the link back.
    consume: (tokenHash, now) => ctx.run(async () => out(await MagicLink.findOneAndUpdate(
      usable(tokenHash, now), { $set: { consumedAt: now.toISOString() } }, { returnDocument: 'after' },
    ).lean<Doc>())),
    purgeExpired: (now) => ctx.run(async () => (await MagicLink.deleteMany({ expiresAt: { $lte: now } })).deletedCount),
  };
}

export function mongooseGrantReminderRepo(ctx: MongooseContext): GrantReminderRepo {
  const { GrantReminder } = ctx.m;
  return {
    claim: (grantId, kind, endsAt, at) => ctx.run(async () => {
      try {
        await GrantReminder.create({ grantId, kind, endsAt, claimedAt: at });
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === 11000) return false;
        throw err;
      }
    }),
    release: (grantId, kind, endsAt) => ctx.run(async () => { await GrantReminder.deleteOne({ grantId, kind, endsAt }); }),
  };
}
