// The partners' agents (help-desk staff and partner admins).
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, text, nullableText, requiredText } from '../mongoose/schema-parts';
import type { AgentRole } from './port';

export const AGENT_ROLES = ['helpdesk', 'partner_admin'] as const satisfies readonly AgentRole[];

export const agentSchema = new Schema({
  id: requiredText,
  partnerId: requiredText,
  email: requiredText,
  name: text,
  role: { type: String, enum: AGENT_ROLES, required: true },
  // null until an invited agent sets a password (not `required`: mongoose refuses '' and null alike).
  passwordHash: nullableText,
  disabled: { type: Boolean, default: false },
  failedLogins: { type: Number, min: 0, default: 0 },
  lockedUntil: nullableText,
  createdAt: requiredText,
}, RECORD);
agentSchema.index({ id: 1 }, { unique: true });
// Emails are unique across partners: sign-in looks an agent up by email alone.
agentSchema.index({ email: 1 }, { unique: true });
agentSchema.index({ partnerId: 1, email: 1 });
