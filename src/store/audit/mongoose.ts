// The audit log: append and query, newest first.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import { type MongooseContext, plain, type Lean } from '../mongoose/context';
import type { AuditEvent, AuditQuery, AuditRepo } from './port';

export function mongooseAuditRepo(ctx: MongooseContext): AuditRepo {
  const { AuditEvent } = ctx.m;
  return {
    append: (e) => ctx.run(async () => {
      await ctx.validate(AuditEvent, e);
      await AuditEvent.create(e);
    }),
    query: (q: AuditQuery) => ctx.run(async () => {
      const filter: Record<string, unknown> = { partnerId: q.partnerId };
      if (q.orgId) filter.orgId = q.orgId;
      if (q.actorId) filter.actorId = q.actorId;
      if (q.subject) filter.subject = q.subject;
      if (q.action) filter.action = q.action;
      if (q.from || q.to) filter.at = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lt: q.to } : {}) };
      const and: Record<string, unknown>[] = [];
      if (q.orgIds) and.push({ orgId: { $in: q.orgIds } });
      if (q.actorIds) and.push({ actorId: { $in: q.actorIds } });
      if (q.subjects) and.push({ subject: { $in: q.subjects } });
      if (q.actions) and.push({ action: { $in: q.actions } });
      if (q.actionPrefix) and.push({ action: { $regex: `^${q.actionPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.|$)` } });
      if (and.length) filter.$and = and;
      const [total, rows] = await Promise.all([
        AuditEvent.countDocuments(filter),
        AuditEvent.find(filter).sort({ at: -1, id: -1 }).skip(q.offset).limit(q.limit).lean<Lean[]>(),
      ]);
      return { events: rows.map((r) => plain<AuditEvent>(r)), total };
    }),
  };
}
