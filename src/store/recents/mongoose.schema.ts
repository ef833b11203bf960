// What each agent opened lately (the home page's "recent" list).
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, requiredText } from '../mongoose/schema-parts';

export const recentViewSchema = new Schema({
  agentId: requiredText,
  kind: { type: String, enum: ['user', 'org', 'device'], required: true },
  id: requiredText,
  openedAt: { type: Date, required: true },
}, RECORD);
// One entry per agent and record: opening it again moves it to the top.
recentViewSchema.index({ agentId: 1, kind: 1, id: 1 }, { unique: true });
recentViewSchema.index({ agentId: 1, openedAt: -1 });
