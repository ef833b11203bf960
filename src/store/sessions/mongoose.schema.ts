// express-session's sessions, shared by every app process.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, text, nullableText, requiredText } from '../mongoose/schema-parts';

export const sessionSchema = new Schema({
  sid: requiredText,
  agentId: nullableText,
  data: text,
  expiresAt: { type: Date, required: true },
}, RECORD);
sessionSchema.index({ sid: 1 }, { unique: true });
sessionSchema.index({ agentId: 1 });
// MongoDB removes a session once its expiry has passed (the TTL monitor runs about once a minute;
// reads also check expiresAt, so a session is never answered late).
sessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
