// API tokens of agents and integrations; only their hash is stored.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, text, nullableText, requiredText } from '../mongoose/schema-parts';

export const apiTokenSchema = new Schema({
  id: requiredText,
  agentId: nullableText,
  partnerId: requiredText,
  role: { type: String, enum: ['integration'], required: false },
  name: text,
  tokenHash: requiredText,
  hint: { type: String, required: false },
  createdAt: requiredText,
  lastUsedAt: nullableText,
  revokedAt: nullableText,
}, RECORD);
apiTokenSchema.index({ id: 1 }, { unique: true });
apiTokenSchema.index({ tokenHash: 1 }, { unique: true });
apiTokenSchema.index({ partnerId: 1, createdAt: -1 });
