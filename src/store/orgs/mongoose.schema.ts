// Customer organizations, each of one partner.
// The mongoose schema of its collection(s), with the indexes its MongoDB queries rely on.
import { Schema } from 'mongoose';
import { RECORD, PART, text, requiredText } from '../mongoose/schema-parts';
import type { OrgStatus, SupportRegion, SupportTier } from './port';

export const ORG_STATUSES = ['active', 'trial', 'suspended'] as const satisfies readonly OrgStatus[];
export const SUPPORT_TIERS = ['online', 'business', 'enterprise', 'elite'] as const satisfies readonly SupportTier[];
export const SUPPORT_REGIONS = ['americas', 'emea', 'apac', 'japan'] as const satisfies readonly SupportRegion[];

const domainSchema = new Schema({
  name: requiredText,
  claimed: { type: Boolean, default: false },
  verified: { type: Boolean, default: false },
}, PART);

// `type` is a field here, so it is spelled as a path definition, not as the schema type shorthand.
const siteSchema = new Schema({ url: requiredText, type: { type: String, default: '' }, status: text }, PART);

const orderSchema = new Schema({ number: requiredText, product: text, status: text, date: text }, PART);

const licenseSchema = new Schema({
  sku: requiredText,
  name: text,
  quantity: { type: Number, min: 0, default: 0 },
  used: { type: Number, min: 0, default: 0 },
}, PART);

const subscriptionSchema = new Schema({
  id: requiredText,
  plan: text,
  status: text,
  start: text,
  end: text,
  licenses: { type: [licenseSchema], default: [] },
}, PART);

const supportPlanSchema = new Schema({
  tier: { type: String, enum: SUPPORT_TIERS, required: true },
  region: { type: String, enum: SUPPORT_REGIONS, required: true },
  timeZone: { type: String },
}, PART);

export const orgSchema = new Schema({
  id: requiredText,
  partnerId: requiredText,
  name: requiredText,
  status: { type: String, enum: ORG_STATUSES, required: true },
  createdAt: requiredText,
  domains: { type: [domainSchema], default: [] },
  sites: { type: [siteSchema], default: [] },
  orders: { type: [orderSchema], default: [] },
  subscriptions: { type: [subscriptionSchema], default: [] },
  supportPlan: { type: supportPlanSchema, default: null },
  settings: { type: Schema.Types.Mixed, default: {} },
}, RECORD);
orgSchema.index({ id: 1 }, { unique: true });
orgSchema.index({ partnerId: 1 });
