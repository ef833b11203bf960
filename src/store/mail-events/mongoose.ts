// What the mail provider reports: the suppression list, mail events, and the replay keys of its signed webhook calls.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import { type MongooseContext, plain, normalizeEmail, type Lean } from '../mongoose/context';
import type { EmailEvent, EmailEventRepo, ReplayRepo, Suppression, SuppressionRepo } from './port';

export function mongooseSuppressionRepo(ctx: MongooseContext): SuppressionRepo {
  const { Suppression } = ctx.m;
  return {
    get: (email) => ctx.findOne<Suppression>(Suppression, { email: normalizeEmail(email) }),
    upsert: (entry) => ctx.run(async () => {
      const suppression = { ...entry, email: normalizeEmail(entry.email) };
      await ctx.validate(Suppression, suppression);
      await Suppression.replaceOne({ email: suppression.email }, suppression, { upsert: true });
    }),
    remove: (email) => ctx.run(async () => {
      const doc = await Suppression.findOneAndDelete({ email: normalizeEmail(email) }).lean<Lean>();
      return doc ? plain<Suppression>(doc) : null;
    }),
  };
}

export function mongooseEmailEventRepo(ctx: MongooseContext): EmailEventRepo {
  const { EmailEvent } = ctx.m;
  const out = (doc: Lean | null) => {
    if (!doc) return null;
    const { atTime, ...event } = plain<EmailEvent & { atTime: Date }>(doc);
    return event as EmailEvent;
  };
  return {
    append: (e) => ctx.run(async () => {
      const record = { ...e, email: normalizeEmail(e.email), atTime: new Date(e.at) };
      await ctx.validate(EmailEvent, record);
      try {
        await EmailEvent.create(record);
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === 11000) return false;
        throw err;
      }
    }),
    latest: (email) => ctx.run(async () =>
      out(await EmailEvent.findOne({ email: normalizeEmail(email) }).sort({ atTime: -1, _id: -1 }).lean<Lean>())),
  };
}

export function mongooseReplayRepo(ctx: MongooseContext): ReplayRepo {
  const { Replay } = ctx.m;
  return {
    // Matches only an absent or expired claim; a live one makes the upsert's insert hit the unique
    // key instead, which is the "seen before" answer. One atomic operation across processes.
    claim: (key, expiresAt, now) => ctx.run(async () => {
      try {
        await Replay.updateOne({ key, expiresAt: { $lte: now } }, { $set: { expiresAt } }, { upsert: true });
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === 11000) return false;
        throw err;
      }
    }),
    release: (key) => ctx.run(async () => { await Replay.deleteOne({ key }); }),
  };
}
