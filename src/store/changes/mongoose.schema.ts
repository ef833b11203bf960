// The change outbox the search indexers follow, and their cursors.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, requiredText } from '../mongoose/schema-parts';
import type { ChangedEntity } from './port';

export const CHANGED_ENTITIES = ['org', 'user', 'device', 'all'] as const satisfies readonly ChangedEntity[];

export const changeSchema = new Schema({
  seq: { type: Number, required: true },
  entity: { type: String, enum: CHANGED_ENTITIES, required: true },
  id: requiredText,
  /** The writer's clock: what prune() compares with. */
  at: { type: Date, required: true },
  /** The server's clock ($$NOW) at insert: how long a gap before this change has been open. */
  writtenAt: { type: Date },
}, RECORD);
changeSchema.index({ seq: 1 }, { unique: true });
changeSchema.index({ at: 1 });

/**
 * Small counters advanced with $inc: the outbox sequence (`_id: 'changes'`), and one per org and
 * product that named-support-contact changes write to, so two of them in flight conflict.
 */
export const counterSchema = new Schema({
  _id: { type: String, required: true },
  seq: { type: Number, required: true },
}, { versionKey: false });
