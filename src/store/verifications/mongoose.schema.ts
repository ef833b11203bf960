// Identity verification codes sent to users.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, nullableText, requiredText } from '../mongoose/schema-parts';
import type { VerificationOutcome } from './port';

export const VERIFICATION_OUTCOMES = ['pending', 'verified', 'locked', 'voided'] as const satisfies readonly VerificationOutcome[];

export const verificationSchema = new Schema({
  id: requiredText,
  partnerId: requiredText,
  orgId: requiredText,
  userId: requiredText,
  sentTo: requiredText,
  requestedBy: requiredText,
  codeHash: requiredText,
  createdAt: requiredText,
  expiresAt: { type: Date, required: true },
  attempts: { type: Number, min: 0, default: 0 },
  outcome: { type: String, enum: VERIFICATION_OUTCOMES, required: true },
  settledAt: nullableText,
}, RECORD);
verificationSchema.index({ id: 1 }, { unique: true });
verificationSchema.index({ partnerId: 1, userId: 1, createdAt: -1 });
// A code is dead 10 minutes after it is sent, but "verified in this call" and the user page's last
// outcome look back at it for a while; a month later MongoDB drops it (the audit log keeps the story).
verificationSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 30 * 24 * 60 * 60 });
