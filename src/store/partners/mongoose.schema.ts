// The partners: the tenants every other record belongs to.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, requiredText } from '../mongoose/schema-parts';

export const partnerSchema = new Schema({
  id: requiredText,
  name: requiredText,
}, RECORD);
partnerSchema.index({ id: 1 }, { unique: true });
