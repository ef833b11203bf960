// Mongoose schemas of the Store port's records (src/store/records.ts), one collection each, with the
// indexes every query of MongooseStore relies on. Records keep their own string `id`: MongoDB's
// `_id` stays an internal ObjectId and never leaves the adapter.
import { Schema, type Connection } from 'mongoose';
import type {
  AccessRequestStatus, AgentRole, ChangedEntity, EmailEventType, EmailState, GrantReminderKind, OrgStatus,
  SupportRegion, SupportTier, SuppressionReason, UserStatus, VerificationOutcome,
} from '../records';

export const ORG_STATUSES = ['active', 'trial', 'suspended'] as const satisfies readonly OrgStatus[];
export const USER_STATUSES = ['active', 'pending', 'inactive'] as const satisfies readonly UserStatus[];
export const SUPPORT_TIERS = ['online', 'business', 'enterprise', 'elite'] as const satisfies readonly SupportTier[];
export const SUPPORT_REGIONS = ['americas', 'emea', 'apac', 'japan'] as const satisfies readonly SupportRegion[];
export const EMAIL_STATES = ['sent', 'delivered', 'bounced', 'deferred', 'suppressed'] as const satisfies readonly EmailState[];
export const AGENT_ROLES = ['helpdesk', 'partner_admin'] as const satisfies readonly AgentRole[];
export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const VERIFICATION_OUTCOMES = ['pending', 'verified', 'locked', 'voided'] as const satisfies readonly VerificationOutcome[];
export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] as const satisfies readonly SuppressionReason[];
export const EMAIL_EVENT_TYPES = ['delivery', 'deferral', 'bounce', 'complaint'] as const satisfies readonly EmailEventType[];
export const ACCESS_REQUEST_STATUSES = ['pending', 'approved', 'denied'] as const satisfies readonly AccessRequestStatus[];
export const GRANT_REMINDER_KINDS = ['14d', '2d'] as const satisfies readonly GrantReminderKind[];
export const CHANGED_ENTITIES = ['org', 'user', 'device', 'all'] as const satisfies readonly ChangedEntity[];

// versionKey: records are replaced whole, never merged, so optimistic versioning buys nothing.
// minimize: an empty `settings` or `detail` object must come back as {}, not vanish.
// id: records have a real `id` field, so mongoose's `id` virtual must not shadow it.
const RECORD = { versionKey: false, minimize: false, id: false } as const;
const PART = { _id: false, id: false } as const;

const text = { type: String, default: '' };
const nullableText = { type: String, default: null };
const requiredText = { type: String, required: true };
const strings = { type: [String], default: [] };

export const partnerSchema = new Schema({
  id: requiredText,
  name: requiredText,
}, RECORD);
partnerSchema.index({ id: 1 }, { unique: true });

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

export const apiTokenSchema = new Schema({
  id: requiredText,
  agentId: nullableText,
  partnerId: requiredText,
  role: { type: String, enum: ['integration'], required: false },
  name: text,
  tokenHash: requiredText,
  hint: { type: String, required: false },
  createdAt: requiredText,
  lastUsedAt: nullableText,
  revokedAt: nullableText,
}, RECORD);
apiTokenSchema.index({ id: 1 }, { unique: true });
apiTokenSchema.index({ tokenHash: 1 }, { unique: true });
apiTokenSchema.index({ partnerId: 1, createdAt: -1 });

export const sessionSchema = new Schema({
  sid: requiredText,
  agentId: nullableText,
  data: text,
  expiresAt: { type: Date, required: true },
}, RECORD);
sessionSchema.index({ sid: 1 }, { unique: true });
sessionSchema.index({ agentId: 1 });
// MongoDB removes a session once its expiry has passed (the TTL monitor runs about once a minute;
// reads also check expiresAt, so a session is never answered late).
sessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export const auditEventSchema = new Schema({
  id: requiredText,
  // ISO 8601 strings, as in every record: they sort in time order, and come back exactly as written.
  at: requiredText,
  actorId: nullableText,
  actorRole: nullableText,
  partnerId: nullableText,
  orgId: nullableText,
  subject: nullableText,
  action: requiredText,
  outcome: { type: String, enum: AUDIT_OUTCOMES, required: true },
  clientIp: nullableText,
  requestId: nullableText,
  detail: { type: Schema.Types.Mixed, default: {} },
}, RECORD);
auditEventSchema.index({ id: 1 }, { unique: true });
auditEventSchema.index({ partnerId: 1, at: -1 });

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

export const rateLimitSchema = new Schema({
  key: requiredText,
  count: { type: Number, required: true, min: 0 },
  resetAt: { type: Date, required: true },
}, RECORD);
rateLimitSchema.index({ key: 1 }, { unique: true });
// An ended window is dead weight: MongoDB drops it (counting ignores it before that anyway).
rateLimitSchema.index({ resetAt: 1 }, { expireAfterSeconds: 0 });

export const verificationSchema = new Schema({
  id: requiredText,
  partnerId: requiredText,
  orgId: requiredText,
  userId: requiredText,
  sentTo: requiredText,
  requestedBy: requiredText,
  codeHash: requiredText,
  createdAt: requiredText,
  expiresAt: { type: Date, required: true },
  attempts: { type: Number, min: 0, default: 0 },
  outcome: { type: String, enum: VERIFICATION_OUTCOMES, required: true },
  settledAt: nullableText,
}, RECORD);
verificationSchema.index({ id: 1 }, { unique: true });
verificationSchema.index({ partnerId: 1, userId: 1, createdAt: -1 });
// A code is dead 10 minutes after it is sent, but "verified in this call" and the user page's last
// outcome look back at it for a while; a month later MongoDB drops it (the audit log keeps the story).
verificationSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 30 * 24 * 60 * 60 });

export const outboxMailSchema = new Schema({
  id: requiredText,
  partnerId: requiredText,
  to: requiredText,
  subject: text,
  text: { type: String, default: '' },
  html: text,
  kind: requiredText,
  createdAt: requiredText,
}, RECORD);
outboxMailSchema.index({ id: 1 }, { unique: true });
outboxMailSchema.index({ partnerId: 1, createdAt: -1 });

export const passwordSetupSchema = new Schema({
  tokenHash: requiredText,
  agentId: requiredText,
  partnerId: requiredText,
  createdAt: requiredText,
  expiresAt: { type: Date, required: true },
  usedAt: nullableText,
}, RECORD);
passwordSetupSchema.index({ tokenHash: 1 }, { unique: true });
passwordSetupSchema.index({ agentId: 1 });
// Used and voided links stay for the record a while; then MongoDB drops them.
passwordSetupSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 30 * 24 * 60 * 60 });

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

export const recentViewSchema = new Schema({
  agentId: requiredText,
  kind: { type: String, enum: ['user', 'org', 'device'], required: true },
  id: requiredText,
  openedAt: { type: Date, required: true },
}, RECORD);
// One entry per agent and record: opening it again moves it to the top.
recentViewSchema.index({ agentId: 1, kind: 1, id: 1 }, { unique: true });
recentViewSchema.index({ agentId: 1, openedAt: -1 });

/** Compiles the models on one connection (never on mongoose's global default connection). */
export function createModels(conn: Connection) {
  return {
    Partner: conn.model('Partner', partnerSchema, 'partners'),
    Org: conn.model('Org', orgSchema, 'orgs'),
    User: conn.model('User', userSchema, 'users'),
    Device: conn.model('Device', deviceSchema, 'devices'),
    Agent: conn.model('Agent', agentSchema, 'agents'),
    ApiToken: conn.model('ApiToken', apiTokenSchema, 'api_tokens'),
    Session: conn.model('Session', sessionSchema, 'sessions'),
    AuditEvent: conn.model('AuditEvent', auditEventSchema, 'audit_events'),
    Change: conn.model('Change', changeSchema, 'changes'),
    Counter: conn.model('Counter', counterSchema, 'counters'),
    RateLimit: conn.model('RateLimit', rateLimitSchema, 'rate_limits'),
    Verification: conn.model('Verification', verificationSchema, 'verifications'),
    OutboxMail: conn.model('OutboxMail', outboxMailSchema, 'mail_outbox'),
    PasswordSetup: conn.model('PasswordSetup', passwordSetupSchema, 'password_setups'),
    Suppression: conn.model('Suppression', suppressionSchema, 'suppressions'),
    EmailEvent: conn.model('EmailEvent', emailEventSchema, 'email_events'),
    Replay: conn.model('Replay', replaySchema, 'replays'),
    ConsentGrant: conn.model('ConsentGrant', consentGrantSchema, 'consent_grants'),
    AccessRequest: conn.model('AccessRequest', accessRequestSchema, 'access_requests'),
    MagicLink: conn.model('MagicLink', magicLinkSchema, 'magic_links'),
    GrantReminder: conn.model('GrantReminder', grantReminderSchema, 'grant_reminders'),
    RecentView: conn.model('RecentView', recentViewSchema, 'recent_views'),
  };
}

export type Models = ReturnType<typeof createModels>;
