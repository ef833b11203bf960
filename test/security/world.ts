// A two-partner world for the security suite: partner A (two orgs) and partner B, an agent of each
// role per partner, customer admins of two orgs of A, tokens, a pending code, a grant, an access
// request, an invitation and a sign-in link. It is built once into a store file; each test opens
// its own copy, so a state change in one cell never leaks into another, and the sessions, CSRF
// tokens and API tokens captured at build time stay valid in every copy.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { hashCode } from '../../src/features/verification/codes';
import { buildTestApp, csrfFrom, PASSWORD, tempDir, type TestApp, type TestAppOptions } from '../helpers/test-app';
import * as f from '../helpers/factories';

export const ROLES = ['anonymous', 'helpdesk', 'partner_admin', 'customer_admin',
  'foreign_helpdesk', 'foreign_partner_admin', 'foreign_customer_admin', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a role sends: its session cookie and that session's CSRF token; agents also hold an API token.
 * `integration` is partner A's sync-job token: no session, its Bearer token on every route.
 */
export interface Credentials { cookie: string; csrf: string; token?: string }

export const SECRET_CODE = '48213379';
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export interface World {
  dataDir: string;
  file: string;
  ids: {
    orgA1: string; orgA2: string; orgB1: string; callerA1: string; adminA1: string; adminA2: string; deviceA1: string;
    verificationA1: string; grantA1: string; requestA1: string; targetAgent: string; invitedAgent: string; adminA: string;
    tokenOfTarget: string; setupToken: string; magicToken: string;
  };
  creds: Record<Role, Credentials>;
  /** Strings that only partner A's data holds; none may reach partner B. */
  partnerAMarkers: string[];
  /** Strings that only org A1's data holds; none may reach A2's customer admin. */
  orgA1Markers: string[];
  /** Every secret the world holds: none may appear in a log. */
  secrets: string[];
}

const cookieOf = (res: request.Response) =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');

async function customerSession(t: TestApp, user: { id: string; email: string; orgId: string; partnerId: string }) {
  const token = crypto.randomBytes(32).toString('base64url');
  const now = t.clock.now();
  await t.store.magicLinks.create({ tokenHash: sha256(token), email: user.email, partnerId: user.partnerId, orgId: user.orgId,
    userId: user.id, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 600_000).toISOString(), consumedAt: null });
  const client = request.agent(t.app);
  const confirm = await client.get(`/customer/login/${token}`).expect(200);
  const res = await client.post(`/customer/login/${token}`).type('form').send({ _csrf: csrfFrom(confirm.text) }).expect(303);
  const portal = await client.get('/customer').expect(200);
  return { client, cookie: cookieOf(res), csrf: csrfFrom(portal.text), token };
}

export async function buildWorld(): Promise<World> {
  const dataDir = tempDir('helpdesk-security-');
  const file = path.join(dataDir, 'world.db');
  const t = await buildTestApp({ dataDir, storeFile: file });
  const s = t.store;
  await s.partners.upsert({ id: 'p-a', name: 'Alpha Partners' });
  await s.partners.upsert({ id: 'p-b', name: 'Beta Partners' });
  const orgA1 = f.org('p-a', { name: 'Alphaorg One Ltd', domains: [{ name: 'alphaone.example', claimed: true, verified: true }],
    orders: [{ number: 'WO-ALPHA1', product: 'Webex Meetings', status: 'provisioned', date: '2025-01-01' }] });
  const orgA2 = f.org('p-a', { name: 'Alphaorg Two Ltd' });
  const orgB1 = f.org('p-b', { name: 'Betaorg Ltd' });
  for (const o of [orgA1, orgA2, orgB1]) await s.orgs.upsert(o);
  const adminA1 = await s.users.upsert(f.user(orgA1.id, { firstName: 'Ada', lastName: 'Alphaone', email: 'admin@alphaone.example', roles: ['full_admin'] }));
  const callerA1 = await s.users.upsert(f.user(orgA1.id, { firstName: 'Carl', lastName: 'Caller', email: 'caller@alphaone.example', phone: '+33612345678' }));
  const adminA2 = await s.users.upsert(f.user(orgA2.id, { firstName: 'Tina', lastName: 'Alphatwo', email: 'admin@alphatwo.example', roles: ['full_admin'] }));
  await s.users.upsert(f.user(orgB1.id, { firstName: 'Bob', lastName: 'Beta', email: 'bob@betaorg.example', roles: ['full_admin'] }));
  const deviceA1 = await s.devices.upsert(f.device(orgA1.id, { displayName: 'Alphaone Boardroom', serial: 'FOCALPHA001' }));
  await s.suppressions.upsert({ email: callerA1.email, reason: 'hard_bounce', since: '2026-01-01T00:00:00.000Z', detail: '550 mailbox unavailable' });

  await t.addAgent('p-a', 'helpdesk@alpha.example');
  const adminA = await t.addAgent('p-a', 'admin@alpha.example', 'partner_admin');
  const target = await t.addAgent('p-a', 'target@alpha.example');
  await t.addAgent('p-b', 'helpdesk@beta.example');
  await t.addAgent('p-b', 'admin@beta.example', 'partner_admin');
  const invited = { ...target, id: crypto.randomUUID(), email: 'invited@alpha.example', passwordHash: null };
  await s.agents.create(invited);
  const setupToken = crypto.randomBytes(32).toString('base64url');
  const now = t.clock.now();
  await s.passwordSetups.create({ tokenHash: sha256(setupToken), agentId: invited.id, partnerId: 'p-a',
    createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 86_400_000).toISOString(), usedAt: null });
  const targetToken = await t.auth.createToken('target@alpha.example', 'target');

  const verificationId = crypto.randomUUID();
  await s.verifications.create({ id: verificationId, partnerId: 'p-a', orgId: orgA1.id, userId: callerA1.id, sentTo: callerA1.email,
    requestedBy: adminA.id, codeHash: hashCode(t.config.codeSecret, verificationId, SECRET_CODE), createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 600_000).toISOString(), attempts: 0, outcome: 'pending', settledAt: null });
  const grantId = crypto.randomUUID();
  await s.consentGrants.create({ id: grantId, orgId: orgA1.id, partnerId: 'p-a', grantedBy: adminA1.id, grantedByEmail: adminA1.email,
    grantedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 7 * 86_400_000).toISOString(), revokedAt: null, revokedBy: null,
    requestId: null, lang: 'en' }, now);
  const requestId = crypto.randomUUID();
  await s.accessRequests.create({ id: requestId, orgId: orgA1.id, partnerId: 'p-a', requestedBy: adminA.id, requestedByName: 'admin',
    reason: 'ticket 4711', createdAt: now.toISOString(), status: 'pending', decidedAt: null, decidedBy: null, grantId: null });

  const anon = request.agent(t.app);
  const login = await anon.get('/login').expect(200);
  const creds = { anonymous: { cookie: cookieOf(login), csrf: csrfFrom(login.text) } } as Record<Role, Credentials>;
  for (const [role, email] of [['helpdesk', 'helpdesk@alpha.example'], ['partner_admin', 'admin@alpha.example'],
    ['foreign_helpdesk', 'helpdesk@beta.example'], ['foreign_partner_admin', 'admin@beta.example']] as const) {
    const client = request.agent(t.app);
    const page = await client.get('/login').expect(200);
    const res = await client.post('/login').type('form').send({ email, password: PASSWORD, _csrf: csrfFrom(page.text) }).expect(303);
    const home = await client.get('/').expect(200);
    creds[role] = { cookie: cookieOf(res), csrf: csrfFrom(home.text), token: await t.apiToken(email) };
  }
  const ca = await customerSession(t, adminA1);
  const fca = await customerSession(t, adminA2);
  creds.customer_admin = { cookie: ca.cookie, csrf: ca.csrf };
  creds.integration = { cookie: '', csrf: '', token: (await t.auth.createIntegrationToken('p-a', 'alpha sync')).token };
  creds.foreign_customer_admin = { cookie: fca.cookie, csrf: fca.csrf };
  const magicToken = crypto.randomBytes(32).toString('base64url');
  await s.magicLinks.create({ tokenHash: sha256(magicToken), email: adminA1.email, partnerId: 'p-a', orgId: orgA1.id, userId: adminA1.id,
    createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 600_000).toISOString(), consumedAt: null });
  await t.close();

  const sids = Object.values(creds).map((c) => /sid=(?:s%3A)?([^.;]+)/.exec(c.cookie)?.[1]).filter((x): x is string => !!x);
  return {
    dataDir, file,
    ids: {
      orgA1: orgA1.id, orgA2: orgA2.id, orgB1: orgB1.id, callerA1: callerA1.id, adminA1: adminA1.id, adminA2: adminA2.id,
      deviceA1: deviceA1.id, verificationA1: verificationId, grantA1: grantId, requestA1: requestId, targetAgent: target.id,
      invitedAgent: invited.id, adminA: adminA.id, tokenOfTarget: targetToken.record.id, setupToken, magicToken,
    },
    creds,
    partnerAMarkers: ['Alphaorg One', 'Alphaorg Two', 'caller@alphaone.example', 'admin@alphaone.example', 'admin@alphatwo.example',
      'Alphaone Boardroom', 'FOCALPHA001', '@alpha.example', orgA1.id, orgA2.id, callerA1.id],
    orgA1Markers: ['Alphaorg One', 'caller@alphaone.example', 'admin@alphaone.example', 'Alphaone Boardroom', orgA1.id, callerA1.id],
    secrets: [SECRET_CODE, '4821 3379', setupToken, magicToken, ca.token, fca.token, ...sids,
      ...Object.values(creds).flatMap((c) => (c.token ? [c.token] : []))],
  };
}

/** A fresh app on a private copy of the world's store. */
export async function openWorld(world: World, options: TestAppOptions = {}): Promise<TestApp> {
  const copy = path.join(world.dataDir, `copy-${crypto.randomUUID()}.db`);
  fs.copyFileSync(world.file, copy);
  const t = await buildTestApp({ ...options, dataDir: world.dataDir, storeFile: copy });
  await t.sync();
  return t;
}
