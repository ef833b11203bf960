// Single-use links that let an invited agent choose a password.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { ClientSession } from 'mongoose';
import { type MongooseContext, plain, type Lean } from '../mongoose/context';
import type { PasswordSetup, PasswordSetupRepo } from './port';

export function mongoosePasswordSetupRepo(ctx: MongooseContext): PasswordSetupRepo {
  const { PasswordSetup } = ctx.m;
  type Doc = Omit<PasswordSetup, 'expiresAt'> & { expiresAt: Date };
  const out = (doc: Doc | null): PasswordSetup | null =>
    (doc ? { ...plain<Doc>(doc as unknown as Lean), expiresAt: doc.expiresAt.toISOString() } : null);
  return {
    create: (setup) => ctx.run(async () => {
      const record = { ...setup, expiresAt: new Date(setup.expiresAt) };
      await ctx.validate(PasswordSetup, record);
      const write = async (session?: ClientSession) => {
        // A voided link is marked used: it can never be consumed, and it stays for the record.
        await PasswordSetup.updateMany(
          { agentId: setup.agentId, usedAt: null }, { $set: { usedAt: setup.createdAt } }, { session },
        );
        await PasswordSetup.create([record], { session });
      };
      await ctx.inTransaction(write);
    }),
    find: (tokenHash, now) => ctx.run(async () =>
      out(await PasswordSetup.findOne({ tokenHash, usedAt: null, expiresAt: { $gt: now } }).lean<Doc>())),
    // One conditional write: of two submissions of the same link, exactly one gets the link back.
    consume: (tokenHash, now) => ctx.run(async () => out(await PasswordSetup.findOneAndUpdate(
      { tokenHash, usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now.toISOString() } },
      { returnDocument: 'after' },
    ).lean<Doc>())),
  };
}
