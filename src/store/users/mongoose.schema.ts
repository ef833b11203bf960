// The users of customer organizations, with the last mail each was sent.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, PART, text, requiredText, strings } from '../mongoose/schema-parts';
import type { EmailState, UserStatus } from './port';

export const USER_STATUSES = ['active', 'pending', 'inactive'] as const satisfies readonly UserStatus[];
export const EMAIL_STATES = ['sent', 'delivered', 'bounced', 'deferred', 'suppressed'] as const satisfies readonly EmailState[];

const lastEmailSchema = new Schema({
  kind: requiredText,
  status: { type: String, enum: EMAIL_STATES, required: true },
  at: requiredText,
  detail: text,
}, PART);

export const userSchema = new Schema({
  id: requiredText,
  orgId: requiredText,
  partnerId: requiredText,
  email: text,
  firstName: text,
  lastName: text,
  displayName: text,
  phone: text,
  sipAddress: text,
  status: { type: String, enum: USER_STATUSES, required: true },
  createdAt: requiredText,
  roles: strings,
  licenses: strings,
  features: strings,
  supportContactFor: strings,
  lastEmail: { type: lastEmailSchema, default: null },
}, RECORD);
userSchema.index({ id: 1 }, { unique: true });
// Serves listByOrg/countByOrg/listAdmins, including their displayName order.
userSchema.index({ partnerId: 1, orgId: 1, displayName: 1, id: 1 });
userSchema.index({ partnerId: 1, email: 1 });
// Mail provider events name an address, not a partner (users.recordLastEmail).
userSchema.index({ email: 1 });
