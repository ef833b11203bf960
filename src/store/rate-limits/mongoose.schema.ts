// Fixed-window counters shared by every app process.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, requiredText } from '../mongoose/schema-parts';

export const rateLimitSchema = new Schema({
  key: requiredText,
  count: { type: Number, required: true, min: 0 },
  resetAt: { type: Date, required: true },
}, RECORD);
rateLimitSchema.index({ key: 1 }, { unique: true });
// An ended window is dead weight: MongoDB drops it (counting ignores it before that anyway).
rateLimitSchema.index({ resetAt: 1 }, { expireAfterSeconds: 0 });
