// The mongoose schemas as a second opinion on every write the suites make: each record written to
// a store passed through `checkWithMongooseSchemas` is also validated against the model the
// MongoDB adapter writes it with (src/store/mongoose/schemas.ts), without a server. A record
// MongooseStore would refuse is refused here the same way (AppError 'invalid', as the adapter
// translates it) and is remembered, so the test that made it fails in afterEach even if the
// refusal was caught on the way (test/helpers/mongoose-checks.setup.ts).
import mongoose from 'mongoose';
import { toAppError } from '../../src/store/mongoose/mongoose-store';
import { createModels, type Models } from '../../src/store/mongoose/schemas';
import type { Store } from '../../src/store/store';

export interface SchemaViolation {
  /** The port method that wrote the record, e.g. agents.create. */
  write: string;
  model: string;
  /** Field → mongoose's message, e.g. { passwordHash: 'Path `passwordHash` is required.' }. */
  errors: Record<string, string>;
}

// On globalThis, so that the per-test check reads it without loading mongoose into every test file.
const KEY = Symbol.for('helpdesk.schemaViolations');
const violations: SchemaViolation[] = ((globalThis as Record<symbol, unknown>)[KEY] ??= []) as SchemaViolation[];

/** Violations not yet taken; taking them empties the list. */
export function takeSchemaViolations(): SchemaViolation[] {
  return violations.splice(0);
}

let models: Models | undefined;
// A connection that is never opened: compiling models and validating documents needs no server.
const modelsOnce = () => (models ??= createModels(mongoose.createConnection()));

async function check(write: string, model: mongoose.Model<any>, doc: object, onlyPaths?: string): Promise<void> {
  const err = await new model(doc, null, { skipId: true }).validate().then(() => null, (e: unknown) => e);
  if (!(err instanceof mongoose.Error.ValidationError)) {
    if (err) throw err;
    return;
  }
  const entries = Object.entries(err.errors).filter(([path]) => !onlyPaths || path.startsWith(onlyPaths));
  if (entries.length === 0) return;
  violations.push({ write, model: model.modelName, errors: Object.fromEntries(entries.map(([p, e]) => [p, (e as Error).message])) });
  throw toAppError(err);
}

type Fn = (...args: any[]) => Promise<any>;

/**
 * Wraps `repo[method]`: `before` sees the arguments (the record as the adapter would write it),
 * `after` the result (for writes whose record the store completes, such as a user's partnerId).
 */
function guard<R extends object>(
  repo: R, method: keyof R & string, before?: (...args: any[]) => Promise<void>, after?: (result: any) => Promise<void>,
): void {
  const original = (repo[method] as unknown as Fn).bind(repo);
  (repo as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    await before?.(...args);
    const result = await original(...args);
    if (after && result) await after(result);
    return result;
  };
}

const lower = (email: string) => email.trim().toLowerCase();

/**
 * Installs the checks on `store` itself (its repos are replaced by checking ones), so the app, the
 * services and a test's own arrange steps all go through them. Returns the same store.
 */
export function checkWithMongooseSchemas<S extends Store>(store: S): S {
  const m = modelsOnce();
  const c = (write: string, model: mongoose.Model<any>) => (doc: object) => check(write, model, doc);

  guard(store.partners, 'upsert', c('partners.upsert', m.Partner));
  guard(store.orgs, 'upsert', c('orgs.upsert', m.Org));
  guard(store.users, 'upsert', undefined, c('users.upsert', m.User));
  guard(store.users, 'recordLastEmail', (_email: string, lastEmail: object) =>
    check('users.recordLastEmail', m.User, { lastEmail }, 'lastEmail'));
  guard(store.devices, 'upsert', undefined, c('devices.upsert', m.Device));
  guard(store.agents, 'create', (a: { email: string }) => check('agents.create', m.Agent, { ...a, email: lower(a.email) }));
  guard(store.agents, 'update', (a: { email: string }) => check('agents.update', m.Agent, { ...a, email: lower(a.email) }));
  guard(store.apiTokens, 'create', c('apiTokens.create', m.ApiToken));
  guard(store.sessions, 'set', c('sessions.set', m.Session));
  guard(store.passwordSetups, 'create', c('passwordSetups.create', m.PasswordSetup));
  guard(store.audit, 'append', c('audit.append', m.AuditEvent));
  guard(store.verifications, 'create', c('verifications.create', m.Verification));
  guard(store.verifications, 'attempt', undefined, c('verifications.attempt', m.Verification));
  guard(store.mailOutbox, 'append', c('mailOutbox.append', m.OutboxMail));
  guard(store.suppressions, 'upsert', (s: { email: string }) => check('suppressions.upsert', m.Suppression, { ...s, email: lower(s.email) }));
  guard(store.emailEvents, 'append', (e: { email: string; at: string }) =>
    check('emailEvents.append', m.EmailEvent, { ...e, email: lower(e.email), atTime: new Date(e.at) }));
  guard(store.consentGrants, 'create', c('consentGrants.create', m.ConsentGrant));
  guard(store.consentGrants, 'extend', undefined, c('consentGrants.extend', m.ConsentGrant));
  guard(store.consentGrants, 'revoke', undefined, c('consentGrants.revoke', m.ConsentGrant));
  guard(store.accessRequests, 'create', c('accessRequests.create', m.AccessRequest));
  guard(store.accessRequests, 'decide', undefined, c('accessRequests.decide', m.AccessRequest));
  guard(store.magicLinks, 'create', c('magicLinks.create', m.MagicLink));
  guard(store.grantReminders, 'claim', (grantId: string, kind: string, endsAt: string, at: Date) =>
    check('grantReminders.claim', m.GrantReminder, { grantId, kind, endsAt, claimedAt: at }));
  guard(store.recents, 'record', (item: { openedAt: string }) =>
    check('recents.record', m.RecentView, { ...item, openedAt: new Date(item.openedAt) }));
  return store;
}
