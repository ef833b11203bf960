import { z } from 'zod';
import { emailEventRecordSchema } from '../../import/import.schema';
import { lastEmailAnswer, suppressionAnswer } from '../../openapi/records';

/** Why the agent clears the address: required, and kept in the audit trail. */
export const clearInput = z.object({
  // A reason someone can act on later ("ok" is not one): what the caller said, or the ticket.
  reason: z.string().trim().min(10, { message: 'at least 10 characters: say why, e.g. what the caller said or the ticket number' })
    .max(500, { message: 'must be at most 500 characters' }),
});

/** One provider event: the import's email_event (src/import/import.schema.ts), `kind` optional. */
const webhookEvent = emailEventRecordSchema.omit({ kind: true });

/** A webhook call carries one event or a batch of them; either way the errors name the field. */
export const webhookBody = z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(webhookEvent).min(1).max(500));

/** The user's email state after a clear (suppression.service.ts, EmailState). */
export const emailStateAnswer = z.object({
  email: z.string(),
  lastEmail: lastEmailAnswer.nullable(),
  suppression: suppressionAnswer.nullable(),
});

export const welcomeSentAnswer = z.object({ sentTo: z.string() });
