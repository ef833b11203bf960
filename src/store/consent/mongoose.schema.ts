// Consent: read-only access grants, access requests, customer admins' sign-in links and grant reminders.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, text, nullableText, requiredText } from '../mongoose/schema-parts';
import type { AccessRequestStatus, GrantReminderKind } from './port';

export const ACCESS_REQUEST_STATUSES = ['pending', 'approved', 'denied'] as const satisfies readonly AccessRequestStatus[];
export const GRANT_REMINDER_KINDS = ['14d', '2d'] as const satisfies readonly GrantReminderKind[];

export const consentGrantSchema = new Schema({
  id: requiredText,
  orgId: requiredText,
  partnerId: requiredText,
  grantedBy: requiredText,
  grantedByEmail: text,
  grantedAt: requiredText,
  // A date, not a string: "active at now" and "ending by" compare instants.
  expiresAt: { type: Date, required: true },
  revokedAt: nullableText,
  revokedBy: nullableText,
  requestId: nullableText,
  lang: text,
}, RECORD);
consentGrantSchema.index({ id: 1 }, { unique: true });
consentGrantSchema.index({ partnerId: 1, orgId: 1, grantedAt: -1 });
consentGrantSchema.index({ expiresAt: 1 });

export const accessRequestSchema = new Schema({
  id: requiredText,
  orgId: requiredText,
  partnerId: requiredText,
  requestedBy: requiredText,
  requestedByName: text,
  reason: text,
  createdAt: requiredText,
  status: { type: String, enum: ACCESS_REQUEST_STATUSES, required: true },
  decidedAt: nullableText,
  decidedBy: nullableText,
  grantId: nullableText,
  lang: { type: String },
}, RECORD);
accessRequestSchema.index({ id: 1 }, { unique: true });
accessRequestSchema.index({ partnerId: 1, orgId: 1, createdAt: -1 });

export const magicLinkSchema = new Schema({
  tokenHash: requiredText,
  email: requiredText,
  partnerId: requiredText,
  orgId: requiredText,
  userId: requiredText,
  createdAt: requiredText,
  expiresAt: { type: Date, required: true },
  consumedAt: nullableText,
}, RECORD);
magicLinkSchema.index({ tokenHash: 1 }, { unique: true });
magicLinkSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const grantReminderSchema = new Schema({
  grantId: requiredText,
  kind: { type: String, enum: GRANT_REMINDER_KINDS, required: true },
  endsAt: requiredText,
  claimedAt: { type: Date, required: true },
}, RECORD);
// One row per reminder of one grant end: the unique key is what makes a claim succeed only once.
grantReminderSchema.index({ grantId: 1, kind: 1, endsAt: 1 }, { unique: true });
