// The audit log: append and query, newest first.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, nullableText, requiredText, strings } from '../mongoose/schema-parts';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;

export const auditEventSchema = new Schema({
  id: requiredText,
  // ISO 8601 strings, as in every record: they sort in time order, and come back exactly as written.
  at: requiredText,
  actorId: nullableText,
  actorRole: nullableText,
  partnerId: nullableText,
  orgId: nullableText,
  subject: nullableText,
  action: requiredText,
  outcome: { type: String, enum: AUDIT_OUTCOMES, required: true },
  clientIp: nullableText,
  requestId: nullableText,
  detail: { type: Schema.Types.Mixed, default: {} },
}, RECORD);
auditEventSchema.index({ id: 1 }, { unique: true });
auditEventSchema.index({ partnerId: 1, at: -1 });
