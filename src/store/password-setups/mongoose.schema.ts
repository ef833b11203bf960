// Single-use links that let an invited agent choose a password.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, nullableText, requiredText } from '../mongoose/schema-parts';

export const passwordSetupSchema = new Schema({
  tokenHash: requiredText,
  agentId: requiredText,
  partnerId: requiredText,
  createdAt: requiredText,
  expiresAt: { type: Date, required: true },
  usedAt: nullableText,
}, RECORD);
passwordSetupSchema.index({ tokenHash: 1 }, { unique: true });
passwordSetupSchema.index({ agentId: 1 });
// Used and voided links stay for the record a while; then MongoDB drops them.
passwordSetupSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 30 * 24 * 60 * 60 });
