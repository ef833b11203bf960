// The local mail outbox (no SMTP_URL): mail the partner's admins read in the app.
// Its MongoDB adapter (mongoose); the collection's schema is in mongoose.schema.ts.
import type { MongooseContext } from '../mongoose/context';
import type { MailOutboxRepo, OutboxMail } from './port';

export function mongooseMailOutboxRepo(ctx: MongooseContext): MailOutboxRepo {
  const { OutboxMail } = ctx.m;
  return {
    append: (mail) => ctx.run(async () => {
      await ctx.validate(OutboxMail, mail);
      await OutboxMail.create(mail);
    }),
    listByPartner: (partnerId, page) =>
      ctx.findMany<OutboxMail>(OutboxMail, { partnerId }, { createdAt: -1, _id: -1 }, page),
    listAll: (page) => ctx.findMany<OutboxMail>(OutboxMail, {}, { createdAt: -1, _id: -1 }, page),
  };
}
