// The mongoose models of MongooseStore, one collection each. Each schema lives with its repository
// (src/store/<repository>/mongoose.schema.ts); this module compiles them on a connection.
import type { Connection } from 'mongoose';
import { agentSchema } from '../agents/mongoose.schema';
import { apiTokenSchema } from '../api-tokens/mongoose.schema';
import { auditEventSchema } from '../audit/mongoose.schema';
import { changeSchema, counterSchema } from '../changes/mongoose.schema';
import { accessRequestSchema, consentGrantSchema, grantReminderSchema, magicLinkSchema } from '../consent/mongoose.schema';
import { deviceSchema } from '../devices/mongoose.schema';
import { emailEventSchema, replaySchema, suppressionSchema } from '../mail-events/mongoose.schema';
import { outboxMailSchema } from '../mail-outbox/mongoose.schema';
import { orgSchema } from '../orgs/mongoose.schema';
import { partnerSchema } from '../partners/mongoose.schema';
import { passwordSetupSchema } from '../password-setups/mongoose.schema';
import { rateLimitSchema } from '../rate-limits/mongoose.schema';
import { recentViewSchema } from '../recents/mongoose.schema';
import { sessionSchema } from '../sessions/mongoose.schema';
import { userSchema } from '../users/mongoose.schema';
import { verificationSchema } from '../verifications/mongoose.schema';

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
