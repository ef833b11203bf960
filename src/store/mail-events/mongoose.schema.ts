// What the mail provider reports: the suppression list, mail events, and the replay keys of its signed webhook calls.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, text, requiredText } from '../mongoose/schema-parts';
import type { EmailEventType, SuppressionReason } from './port';

export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] as const satisfies readonly SuppressionReason[];
export const EMAIL_EVENT_TYPES = ['delivery', 'deferral', 'bounce', 'complaint'] as const satisfies readonly EmailEventType[];

export const suppressionSchema = new Schema({
  email: requiredText,
  reason: { type: String, enum: SUPPRESSION_REASONS, required: true },
  since: requiredText,
  detail: text,
  partnerId: { type: String, default: null },
}, RECORD);
suppressionSchema.index({ email: 1 }, { unique: true });

export const emailEventSchema = new Schema({
  email: requiredText,
  type: { type: String, enum: EMAIL_EVENT_TYPES, required: true },
  messageKind: requiredText,
  at: requiredText,
  /** `at` as a date: the same instant written two ways is one event, and "newest" compares instants. */
  atTime: { type: Date, required: true },
  detail: text,
}, RECORD);
// An event imported twice is recorded once.
emailEventSchema.index({ email: 1, type: 1, messageKind: 1, atTime: 1 }, { unique: true });
emailEventSchema.index({ email: 1, atTime: -1 });

export const replaySchema = new Schema({
  key: requiredText,
  expiresAt: { type: Date, required: true },
}, RECORD);
replaySchema.index({ key: 1 }, { unique: true });
replaySchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
