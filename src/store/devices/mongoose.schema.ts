// The devices of customer organizations, each optionally owned by one of their users.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, text, nullableText, requiredText } from '../mongoose/schema-parts';

export const deviceSchema = new Schema({
  id: requiredText,
  orgId: requiredText,
  partnerId: requiredText,
  ownerUserId: nullableText,
  displayName: text,
  model: text,
  serial: text,
  mac: text,
  sipAddress: text,
  status: text,
}, RECORD);
deviceSchema.index({ id: 1 }, { unique: true });
deviceSchema.index({ partnerId: 1, orgId: 1, displayName: 1, id: 1 });
deviceSchema.index({ partnerId: 1, ownerUserId: 1 });
