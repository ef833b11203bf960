// The retention job's deletes.
// Its MongoDB adapter (mongoose); it has no collection of its own.
import type { MongooseContext } from '../mongoose/context';
import type { RetentionRepo } from './port';

export function mongooseRetentionRepo(ctx: MongooseContext): RetentionRepo {
  const { Verification, MagicLink, PasswordSetup, Session, AuditEvent } = ctx.m;
  // Dates stored as ISO text (createdAt, at) compare as text; expiries are BSON dates.
  return {
    purge: (rule) => ctx.run(async () => ({
      verifications: (await Verification.deleteMany({ createdAt: { $lt: rule.verificationsBefore.toISOString() } })).deletedCount,
      signInLinks: (await MagicLink.deleteMany({ $or: [{ consumedAt: { $ne: null } }, { expiresAt: { $lte: rule.now } }] })).deletedCount,
      invitations: (await PasswordSetup.deleteMany({ $or: [{ usedAt: { $ne: null } }, { expiresAt: { $lte: rule.now } }] })).deletedCount,
      sessions: (await Session.deleteMany({ expiresAt: { $lte: rule.now } })).deletedCount,
      audit: (await AuditEvent.deleteMany({ at: { $lt: rule.auditBefore.toISOString() } })).deletedCount,
    })),
  };
}
