// The local mail outbox (no SMTP_URL): mail the partner's admins read in the app.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, text, requiredText } from '../mongoose/schema-parts';

export const outboxMailSchema = new Schema({
  id: requiredText,
  partnerId: requiredText,
  to: requiredText,
  subject: text,
  text: { type: String, default: '' },
  html: text,
  kind: requiredText,
  createdAt: requiredText,
}, RECORD);
outboxMailSchema.index({ id: 1 }, { unique: true });
outboxMailSchema.index({ partnerId: 1, createdAt: -1 });
