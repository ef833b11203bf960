// The Store port's contract: every adapter runs this same suite (embedded always, MongoDB when a
// server is configured). Each test makes its own partners and ids, so the suite can share one store,
// even a real database other runs write to, and asserts only about its own records.
import crypto from 'node:crypto';
import { AppError } from '../../src/errors';
import type {
  AccessRequest, Agent, ApiToken, AuditEvent, Change, ConsentGrant, EmailEvent, LastEmail, MagicLink, OutboxMail,
  PasswordSetup, Store, Verification,
} from '../../src/store/store';
import * as f from '../helpers/factories';

const uid = () => crypto.randomUUID();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const agentOf = (partnerId: string, over: Partial<Agent> = {}): Agent => ({
  id: uid(),
  partnerId,
  email: `agent-${uid()}@example.com`,
  name: 'An Agent',
  role: 'helpdesk',
  passwordHash: 'scrypt$abc$def',
  disabled: false,
  failedLogins: 0,
  lockedUntil: null,
  createdAt: '2024-02-01T10:00:00.000Z',
  ...over,
});

const tokenOf = (partnerId: string, over: Partial<ApiToken> = {}): ApiToken => ({
  id: uid(),
  agentId: uid(),
  partnerId,
  name: 'integration',
  tokenHash: crypto.createHash('sha256').update(uid()).digest('hex'),
  createdAt: '2024-02-01T10:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});

const eventOf = (partnerId: string, over: Partial<AuditEvent> = {}): AuditEvent => ({
  id: uid(),
  at: '2024-03-01T10:00:00.000Z',
  actorId: 'agent-1',
  actorRole: 'helpdesk',
  partnerId,
  orgId: null,
  subject: null,
  action: 'org.view',
  outcome: 'success',
  clientIp: '127.0.0.1',
  requestId: uid(),
  detail: {},
  ...over,
});

const verificationOf = (partnerId: string, orgId: string, userId: string, over: Partial<Verification> = {}): Verification => {
  const now = Date.now();
  return {
    id: uid(),
    partnerId,
    orgId,
    userId,
    sentTo: 'jane.doe@example.com',
    requestedBy: 'agent-1',
    codeHash: crypto.createHash('sha256').update(uid()).digest('hex'),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 10 * MINUTE).toISOString(),
    attempts: 0,
    outcome: 'pending',
    settledAt: null,
    ...over,
  };
};

const mailOf = (partnerId: string, over: Partial<OutboxMail> = {}): OutboxMail => ({
  id: uid(),
  partnerId,
  to: 'jane.doe@example.com',
  subject: 'Your verification code',
  text: 'Read this code to the agent.',
  html: '<p>Read this code to the agent.</p>',
  kind: 'verification',
  createdAt: '2024-04-01T10:00:00.000Z',
  ...over,
});

const setupOf = (agentId: string, over: Partial<PasswordSetup> = {}): PasswordSetup => {
  const now = Date.now();
  return {
    tokenHash: crypto.createHash('sha256').update(uid()).digest('hex'),
    agentId,
    partnerId: `p-${uid()}`,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 24 * HOUR).toISOString(),
    usedAt: null,
    ...over,
  };
};

const grantOf = (partnerId: string, orgId: string, over: Partial<ConsentGrant> = {}): ConsentGrant => ({
  id: uid(),
  orgId,
  partnerId,
  grantedBy: uid(),
  grantedByEmail: 'admin@example.com',
  grantedAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 7 * 24 * HOUR).toISOString(),
  revokedAt: null,
  revokedBy: null,
  requestId: null,
  lang: 'en',
  ...over,
});

const requestOf = (partnerId: string, orgId: string, over: Partial<AccessRequest> = {}): AccessRequest => ({
  id: uid(),
  orgId,
  partnerId,
  requestedBy: uid(),
  requestedByName: 'An Agent',
  reason: 'Ticket 4711',
  createdAt: '2024-05-01T10:00:00.000Z',
  status: 'pending',
  decidedAt: null,
  decidedBy: null,
  grantId: null,
  ...over,
});

const magicLinkOf = (over: Partial<MagicLink> = {}): MagicLink => ({
  tokenHash: crypto.createHash('sha256').update(uid()).digest('hex'),
  email: 'admin@example.com',
  partnerId: `p-${uid()}`,
  orgId: uid(),
  userId: uid(),
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 15 * MINUTE).toISOString(),
  consumedAt: null,
  ...over,
});

/** The AppError a promise rejects with (fails the test when it resolves or rejects with anything else). */
async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

const fieldsOf = (err: AppError) => (err.details.fields ?? []).map((x) => x.field);

async function batchesOf<T>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const batches: T[][] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

export function storeContract<S extends Store>(label: string, make: () => Promise<S>, teardown: (s: S) => Promise<void>): void {
  describe(`Store contract: ${label}`, () => {
    let s: S;

    beforeAll(async () => { s = await make(); });
    afterAll(async () => { await teardown(s); });

    /** A fresh partner with one org. */
    async function tenant() {
      const partner = f.partner();
      await s.partners.upsert(partner);
      const org = f.org(partner.id);
      await s.orgs.upsert(org);
      return { partner, org, partnerId: partner.id, orgId: org.id };
    }

    /** The changes after `after` that concern the given ids (other writers may share the store). */
    async function changesFor(after: number, ids: string[]): Promise<Change[]> {
      return (await s.changes.listAfter(after, 10_000)).filter((c) => ids.includes(c.id));
    }

    test('when the store is pinged, then it answers', async () => {
      await expect(s.ping()).resolves.toBeUndefined();
    });

    describe('partners', () => {
      test('when a partner is upserted twice, then get answers the latest version and list holds it once', async () => {
        const p = f.partner({ name: 'Before' });
        await s.partners.upsert(p);
        await s.partners.upsert({ ...p, name: 'After' });

        expect(await s.partners.get(p.id)).toEqual({ id: p.id, name: 'After' });
        expect((await s.partners.list()).filter((x) => x.id === p.id)).toEqual([{ id: p.id, name: 'After' }]);
      });

      test('when a partner id is unknown, then get answers null', async () => {
        expect(await s.partners.get(`p-${uid()}`)).toBeNull();
      });
    });

    describe('transactions', () => {
      test('when work inside transaction() wrote a grant, an answer and a user and then throws, then none of it remains, not even the user\'s change row', async () => {
        const { partnerId, orgId } = await tenant();
        const request = requestOf(partnerId, orgId);
        await s.accessRequests.create(request);
        const grant = grantOf(partnerId, orgId, { requestId: request.id });
        const user = f.user(orgId);
        const before = await s.changes.latestSeq();

        await expect(s.transaction(async () => {
          expect(await s.consentGrants.create(grant, new Date())).toBe(true);
          expect(await s.accessRequests.decide(partnerId, orgId, request.id,
            { status: 'approved', by: 'admin-1', at: new Date().toISOString(), grantId: grant.id })).not.toBeNull();
          await s.users.upsert(user);
          throw new Error('fails after its writes');
        })).rejects.toThrow('fails after its writes');

        expect(await s.consentGrants.get(partnerId, orgId, grant.id)).toBeNull();
        expect(await s.accessRequests.get(partnerId, orgId, request.id)).toMatchObject({ status: 'pending', grantId: null });
        expect(await s.users.get(partnerId, user.id)).toBeNull();
        expect(await changesFor(before, [user.id])).toEqual([]);
      });

      test('when work inside transaction() completes, then every write of it is there, with its change rows, and its result is returned', async () => {
        const { partnerId, orgId } = await tenant();
        const request = requestOf(partnerId, orgId);
        await s.accessRequests.create(request);
        const grant = grantOf(partnerId, orgId, { requestId: request.id });
        const user = f.user(orgId);
        const before = await s.changes.latestSeq();

        const result = await s.transaction(async () => {
          await s.consentGrants.create(grant, new Date());
          await s.accessRequests.decide(partnerId, orgId, request.id,
            { status: 'approved', by: 'admin-1', at: new Date().toISOString(), grantId: grant.id });
          await s.users.upsert(user);
          return 'done';
        });

        expect(result).toBe('done');
        expect(await s.consentGrants.get(partnerId, orgId, grant.id)).toMatchObject({ id: grant.id });
        expect(await s.accessRequests.get(partnerId, orgId, request.id)).toMatchObject({ status: 'approved', grantId: grant.id });
        expect(await s.users.get(partnerId, user.id)).toMatchObject({ id: user.id });
        expect((await changesFor(before, [user.id])).map((c) => c.entity)).toEqual(['user']);
      });
    });

    describe('orgs', () => {
      test('when an org is upserted, then its partner reads back a plain object equal to what was written', async () => {
        const p = f.partner();
        await s.partners.upsert(p);
        const org = f.org(p.id, {
          status: 'trial',
          domains: [{ name: 'acme.example', claimed: true, verified: false }],
          sites: [{ url: 'acme.webex.com', type: 'meetings', status: 'active' }],
          orders: [{ number: 'WO-1234', product: 'Webex Meetings', status: 'provisioned', date: '2024-01-02' }],
          subscriptions: [{
            id: 'Sub-1', plan: 'Webex Suite', status: 'active', start: '2024-01-01', end: '2025-01-01',
            licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }],
          }],
          supportPlan: { tier: 'elite', region: 'apac' },
          settings: { sso: 'enabled', seats: 50, directorySync: false },
        });
        await s.orgs.upsert(org);

        const got = await s.orgs.get(p.id, org.id);
        expect(got).toEqual(org);
        expect(Object.keys(got!).sort()).toEqual(Object.keys(org).sort());
      });

      test('when an org with no support plan and no settings is upserted, then they read back as null and {}', async () => {
        const p = f.partner();
        await s.partners.upsert(p);
        const org = f.org(p.id, { supportPlan: null, settings: {} });
        await s.orgs.upsert(org);

        expect(await s.orgs.get(p.id, org.id)).toEqual(org);
      });

      test('when an org is upserted again, then the stored org is replaced by the new version', async () => {
        const { partnerId, org } = await tenant();
        const renamed = { ...org, name: 'Renamed Ltd', status: 'suspended' as const, domains: [] };
        await s.orgs.upsert(renamed);

        expect(await s.orgs.get(partnerId, org.id)).toEqual(renamed);
        expect(await s.orgs.count(partnerId)).toBe(1);
      });

      test('when another partner asks for an org, then it answers null and does not count it', async () => {
        const a = await tenant();
        const b = await tenant();

        expect(await s.orgs.get(b.partnerId, a.orgId)).toBeNull();
        expect(await s.orgs.count(a.partnerId)).toBe(1);
        expect(await s.orgs.count(b.partnerId)).toBe(1);
        expect(await s.orgs.count(`p-${uid()}`)).toBe(0);
      });

      test("when the org's partner does not exist, then the upsert is refused as invalid naming partnerId", async () => {
        const org = f.org(`p-${uid()}`);
        const err = await appErrorOf(s.orgs.upsert(org));

        expect(err.code).toBe('invalid');
        expect(fieldsOf(err)).toContain('partnerId');
        expect(await s.orgs.getByIds([org.id])).toEqual([]);
      });

      test('when an org is upserted under another partner, then it is refused as a conflict and stays with its partner', async () => {
        const a = await tenant();
        const b = await tenant();
        const err = await appErrorOf(s.orgs.upsert({ ...a.org, partnerId: b.partnerId, name: 'Stolen' }));

        expect(err.code).toBe('conflict');
        expect(await s.orgs.get(a.partnerId, a.orgId)).toEqual(a.org);
        expect(await s.orgs.get(b.partnerId, a.orgId)).toBeNull();
      });

      test("when orgs are counted without a partner, then every partner's orgs count", async () => {
        const before = await s.orgs.count();
        await tenant();
        await tenant();

        expect(await s.orgs.count()).toBeGreaterThanOrEqual(before + 2);
      });

      test('when orgs are fetched by ids, then the known ones of any partner come back in id order', async () => {
        const a = await tenant();
        const b = await tenant();

        const got = await s.orgs.getByIds([b.orgId, uid(), a.orgId]);
        expect(got).toEqual([a.org, b.org].sort((x, y) => (x.id < y.id ? -1 : 1)));
        expect(await s.orgs.getByIds([])).toEqual([]);
      });

      test('when orgs are scanned in small batches, then every org comes exactly once', async () => {
        const mine = [await tenant(), await tenant(), await tenant()].map((t) => t.orgId);

        const batches = await batchesOf(s.orgs.scan(2));
        const ids = batches.flat().map((o) => o.id);
        expect(batches.every((b) => b.length > 0 && b.length <= 2)).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual(expect.arrayContaining(mine));
        expect(ids.length).toBe(await s.orgs.count());
      });

      test('when a scan is split into parts, then every record is in exactly one part, whatever the number of parts', async () => {
        for (let i = 0; i < 5; i++) {
          const { orgId } = await tenant();
          await s.users.upsert(f.user(orgId));
          await s.devices.upsert(f.device(orgId));
        }
        const all = (await batchesOf(s.orgs.scan(100))).flat().map((o) => o.id).sort();
        for (const of of [1, 2, 3, 7]) {
          const parts = await Promise.all(Array.from({ length: of }, async (_, index) =>
            (await batchesOf(s.orgs.scan(2, { index, of }))).flat().map((o) => o.id)));
          expect(parts.flat().sort()).toEqual(all);
        }
        const users = (await batchesOf(s.users.scan(100))).flat().map((u) => u.id).sort();
        const userParts = [0, 1].map(async (index) => (await batchesOf(s.users.scan(3, { index, of: 2 }))).flat().map((u) => u.id));
        expect((await Promise.all(userParts)).flat().sort()).toEqual(users);
        const devices = (await batchesOf(s.devices.scan(100))).flat().map((d) => d.id).sort();
        const deviceParts = [0, 1, 2].map(async (index) => (await batchesOf(s.devices.scan(1, { index, of: 3 }))).flat().map((d) => d.id));
        expect((await Promise.all(deviceParts)).flat().sort()).toEqual(devices);
      });
    });

    describe('users', () => {
      test('when a user is upserted, then partnerId comes from the org, not the input, and the email is stored in lower case', async () => {
        const a = await tenant();
        const b = await tenant();
        const input = { ...f.user(a.orgId, { email: '  Jane.DOE@Example.com ' }), partnerId: b.partnerId };

        const saved = await s.users.upsert(input);
        expect(saved.partnerId).toBe(a.partnerId);
        expect(saved.email).toBe('jane.doe@example.com');
        expect(await s.users.get(a.partnerId, input.id)).toEqual(saved);
        expect(await s.users.get(b.partnerId, input.id)).toBeNull();
      });

      test('when a user is upserted again, then get answers the new version', async () => {
        const { partnerId, orgId } = await tenant();
        const u = await s.users.upsert(f.user(orgId));
        const changed = await s.users.upsert({
          ...f.user(orgId, { id: u.id, firstName: 'Hélène', lastName: 'Dupré', status: 'inactive', roles: ['full_admin'] }),
          lastEmail: { kind: 'welcome', status: 'bounced', at: '2024-01-12T08:00:00.000Z', detail: '550 5.1.1' },
        });

        expect(await s.users.get(partnerId, u.id)).toEqual(changed);
        expect(changed).toMatchObject({ displayName: 'Hélène Dupré', status: 'inactive', partnerId });
        expect(await s.users.countByOrg(partnerId, orgId)).toBe(1);
      });

      test("when the user's org does not exist, then the upsert is refused as invalid naming orgId", async () => {
        const input = f.user(uid());
        const err = await appErrorOf(s.users.upsert(input));

        expect(err.code).toBe('invalid');
        expect(fieldsOf(err)).toContain('orgId');
        expect(await s.users.getByIds([input.id])).toEqual([]);
      });

      test('when a user is upserted into another org, then it is refused as a conflict and stays where it was', async () => {
        const { partnerId, orgId } = await tenant();
        const other = f.org(partnerId);
        await s.orgs.upsert(other);
        const u = await s.users.upsert(f.user(orgId));

        const err = await appErrorOf(s.users.upsert({ ...f.user(other.id), id: u.id }));
        expect(err.code).toBe('conflict');
        expect(await s.users.get(partnerId, u.id)).toEqual(u);
      });

      test('when another partner reads users, then get, lists, counts and email lookups find nothing', async () => {
        const a = await tenant();
        const b = await tenant();
        const u = await s.users.upsert(f.user(a.orgId, { roles: ['full_admin'] }));
        const page = { limit: 10, offset: 0 };

        expect(await s.users.get(b.partnerId, u.id)).toBeNull();
        expect(await s.users.listByOrg(b.partnerId, a.orgId, page)).toEqual([]);
        expect(await s.users.countByOrg(b.partnerId, a.orgId)).toBe(0);
        expect(await s.users.listAdmins(b.partnerId, a.orgId)).toEqual([]);
        expect(await s.users.findByEmail(b.partnerId, u.email)).toEqual([]);
        expect(await s.users.count(b.partnerId)).toBe(0);
        expect(await s.users.count(a.partnerId)).toBe(1);
      });

      test("when an org's users are listed, then they come by display name, a page at a time, and countByOrg counts them", async () => {
        const { partnerId, orgId } = await tenant();
        const names = ['Carol', 'Alice', 'Eve', 'Bob', 'Dave'];
        for (const firstName of names) await s.users.upsert(f.user(orgId, { firstName }));
        const other = f.org(partnerId);
        await s.orgs.upsert(other);
        await s.users.upsert(f.user(other.id, { firstName: 'Aaron' }));

        const first = await s.users.listByOrg(partnerId, orgId, { limit: 2, offset: 0 });
        const rest = await s.users.listByOrg(partnerId, orgId, { limit: 10, offset: 2 });
        expect(first.map((u) => u.firstName)).toEqual(['Alice', 'Bob']);
        expect(rest.map((u) => u.firstName)).toEqual(['Carol', 'Dave', 'Eve']);
        expect(await s.users.countByOrg(partnerId, orgId)).toBe(5);
      });

      test('when admins are listed, then only users holding a role come, by display name', async () => {
        const { partnerId, orgId } = await tenant();
        await s.users.upsert(f.user(orgId, { firstName: 'Zed', roles: ['read_only_admin'] }));
        await s.users.upsert(f.user(orgId, { firstName: 'Amy', roles: ['full_admin', 'support_admin'] }));
        await s.users.upsert(f.user(orgId, { firstName: 'Bea', roles: [] }));

        expect((await s.users.listAdmins(partnerId, orgId)).map((u) => u.firstName)).toEqual(['Amy', 'Zed']);
      });

      test("when users are found by email, then case does not matter and only the partner's users match", async () => {
        const a = await tenant();
        const b = await tenant();
        const email = `same-${uid()}@example.com`;
        const u1 = await s.users.upsert(f.user(a.orgId, { email }));
        const other = f.org(a.partnerId);
        await s.orgs.upsert(other);
        const u2 = await s.users.upsert(f.user(other.id, { email }));
        await s.users.upsert(f.user(b.orgId, { email }));

        const found = await s.users.findByEmail(a.partnerId, ` ${email.toUpperCase()} `);
        expect(found.map((u) => u.id).sort()).toEqual([u1.id, u2.id].sort());
        expect(found.map((u) => u.id)).toEqual(found.map((u) => u.id).sort());
        expect(await s.users.findByEmail(a.partnerId, `nobody-${uid()}@example.com`)).toEqual([]);
      });

      test("when users are counted, then count(partner) counts that partner's and count() every partner's", async () => {
        const before = await s.users.count();
        const a = await tenant();
        const b = await tenant();
        await s.users.upsert(f.user(a.orgId));
        await s.users.upsert(f.user(a.orgId));
        await s.users.upsert(f.user(b.orgId));

        expect(await s.users.count(a.partnerId)).toBe(2);
        expect(await s.users.count(b.partnerId)).toBe(1);
        expect(await s.users.count()).toBeGreaterThanOrEqual(before + 3);
      });

      test('when users are fetched by ids (in id order) and scanned, then each comes once, from any partner', async () => {
        const a = await tenant();
        const b = await tenant();
        const ua = await s.users.upsert(f.user(a.orgId));
        const ub = await s.users.upsert(f.user(b.orgId));

        expect(await s.users.getByIds([ub.id, ua.id, uid()])).toEqual([ua, ub].sort((x, y) => (x.id < y.id ? -1 : 1)));
        expect(await s.users.getByIds([])).toEqual([]);
        const batches = await batchesOf(s.users.scan(3));
        const ids = batches.flat().map((u) => u.id);
        expect(batches.every((x) => x.length > 0 && x.length <= 3)).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual(expect.arrayContaining([ua.id, ub.id]));
        expect(ids.length).toBe(await s.users.count());
      });
    });

    describe('users: last email from mail events', () => {
      const mail = (at: string, status: LastEmail['status'] = 'bounced'): LastEmail => ({ kind: 'welcome', status, at, detail: '550 5.1.1' });

      test('when an event is recorded for an address, then every user with it, in any partner, gets it, with a change each', async () => {
        const a = await tenant();
        const b = await tenant();
        const email = `shared-${uid()}@example.com`;
        const ua = await s.users.upsert(f.user(a.orgId, { email }));
        const ub = await s.users.upsert(f.user(b.orgId, { email }));
        const other = await s.users.upsert(f.user(a.orgId));
        const before = await s.changes.latestSeq();

        const lastEmail = mail('2024-04-02T08:01:00.000Z');
        expect(await s.users.recordLastEmail(email.toUpperCase(), lastEmail)).toBe(2);
        expect((await s.users.get(a.partnerId, ua.id))?.lastEmail).toEqual(lastEmail);
        expect((await s.users.get(b.partnerId, ub.id))?.lastEmail).toEqual(lastEmail);
        expect((await s.users.get(a.partnerId, other.id))?.lastEmail).toBeNull();
        expect((await changesFor(before, [ua.id, ub.id, other.id])).map((c) => c.id).sort()).toEqual([ua.id, ub.id].sort());
      });

      test('when an older event arrives after a newer one, then it does not overwrite it; one at the same time does', async () => {
        const { partnerId, orgId } = await tenant();
        const email = `late-${uid()}@example.com`;
        const u = await s.users.upsert(f.user(orgId, { email }));
        const newer = mail('2024-04-02T10:00:00.000Z', 'delivered');
        await s.users.recordLastEmail(email, newer);

        expect(await s.users.recordLastEmail(email, mail('2024-04-02T09:00:00.000Z'))).toBe(0);
        expect((await s.users.get(partnerId, u.id))?.lastEmail).toEqual(newer);
        const sameTime = mail('2024-04-02T10:00:00.000Z', 'bounced');
        expect(await s.users.recordLastEmail(email, sameTime)).toBe(1);
        expect((await s.users.get(partnerId, u.id))?.lastEmail).toEqual(sameTime);
        expect(await s.users.recordLastEmail(`nobody-${uid()}@example.com`, newer)).toBe(0);
      });

      test('when an event names the partner whose mail it was about, then only that partner\'s users with the address get it', async () => {
        const a = await tenant();
        const b = await tenant();
        const email = `one-partner-${uid()}@example.com`;
        const ua = await s.users.upsert(f.user(a.orgId, { email }));
        const ub = await s.users.upsert(f.user(b.orgId, { email }));

        const lastEmail = mail('2024-04-02T08:01:00.000Z', 'delivered');
        expect(await s.users.recordLastEmail(email, lastEmail, a.partnerId)).toBe(1);
        expect((await s.users.get(a.partnerId, ua.id))?.lastEmail).toEqual(lastEmail);
        expect((await s.users.get(b.partnerId, ub.id))?.lastEmail).toBeNull();
      });

      test('when a suppression names the partner whose mail caused it, then it is kept with the entry', async () => {
        const email = `owned-${uid()}@example.com`;
        await s.suppressions.upsert({ email, reason: 'hard_bounce', since: '2024-04-02T08:01:00.000Z', detail: '550', partnerId: 'p-owner' });
        expect(await s.suppressions.get(email)).toMatchObject({ partnerId: 'p-owner', detail: '550' });
      });
    });

    describe('users: full admins by email', () => {
      test("when full admins are looked up by address, then only full_admin users with it come, from any partner", async () => {
        const a = await tenant();
        const b = await tenant();
        const email = `admin-${uid()}@example.com`;
        const ua = await s.users.upsert(f.user(a.orgId, { email, roles: ['full_admin'] }));
        const ub = await s.users.upsert(f.user(b.orgId, { email, roles: ['support_admin', 'full_admin'] }));
        await s.users.upsert(f.user(a.orgId, { email, roles: ['read_only_admin'] }));
        await s.users.upsert(f.user(a.orgId, { email, roles: [] }));

        const found = await s.users.findFullAdminsByEmail(email.toUpperCase());
        expect(found.map((u) => u.id).sort()).toEqual([ua.id, ub.id].sort());
        expect(await s.users.findFullAdminsByEmail(`nobody-${uid()}@example.com`)).toEqual([]);
      });
    });

    describe('devices', () => {
      test('when a device is upserted, then partnerId comes from the org and an upsert again replaces it', async () => {
        const a = await tenant();
        const b = await tenant();
        const owner = await s.users.upsert(f.user(a.orgId));
        const input = { ...f.device(a.orgId, { ownerUserId: owner.id }), partnerId: b.partnerId };

        const saved = await s.devices.upsert(input);
        expect(saved.partnerId).toBe(a.partnerId);
        expect(await s.devices.get(a.partnerId, input.id)).toEqual(saved);
        expect(await s.devices.get(b.partnerId, input.id)).toBeNull();

        const moved = await s.devices.upsert(f.device(a.orgId, { id: input.id, ownerUserId: null, displayName: 'Lobby', status: 'offline' }));
        expect(await s.devices.get(a.partnerId, input.id)).toEqual(moved);
        expect(moved.ownerUserId).toBeNull();
      });

      test("when the device's org does not exist, then the upsert is refused as invalid naming orgId", async () => {
        const err = await appErrorOf(s.devices.upsert(f.device(uid())));

        expect(err.code).toBe('invalid');
        expect(fieldsOf(err)).toContain('orgId');
      });

      test("when the owner is not a user of the device's org, then the upsert is refused as invalid naming ownerUserId", async () => {
        const { partnerId, orgId } = await tenant();
        const other = f.org(partnerId);
        await s.orgs.upsert(other);
        const stranger = await s.users.upsert(f.user(other.id));

        for (const ownerUserId of [stranger.id, uid()]) {
          const device = f.device(orgId, { ownerUserId });
          const err = await appErrorOf(s.devices.upsert(device));
          expect(err.code).toBe('invalid');
          expect(fieldsOf(err)).toContain('ownerUserId');
          expect(await s.devices.get(partnerId, device.id)).toBeNull();
        }
      });

      test('when a device is upserted into another org, then it is refused as a conflict', async () => {
        const { partnerId, orgId } = await tenant();
        const other = f.org(partnerId);
        await s.orgs.upsert(other);
        const d = await s.devices.upsert(f.device(orgId));

        const err = await appErrorOf(s.devices.upsert(f.device(other.id, { id: d.id })));
        expect(err.code).toBe('conflict');
        expect(await s.devices.get(partnerId, d.id)).toEqual(d);
      });

      test('when devices are listed by org and by owner, then they come in order and paged, and another partner sees none', async () => {
        const a = await tenant();
        const b = await tenant();
        const owner = await s.users.upsert(f.user(a.orgId));
        for (const displayName of ['Room C', 'Room A', 'Room B']) {
          await s.devices.upsert(f.device(a.orgId, { displayName, ownerUserId: displayName === 'Room B' ? null : owner.id }));
        }

        expect((await s.devices.listByOrg(a.partnerId, a.orgId, { limit: 2, offset: 0 })).map((d) => d.displayName))
          .toEqual(['Room A', 'Room B']);
        expect((await s.devices.listByOrg(a.partnerId, a.orgId, { limit: 2, offset: 2 })).map((d) => d.displayName))
          .toEqual(['Room C']);
        expect(await s.devices.countByOrg(a.partnerId, a.orgId)).toBe(3);
        const owned = await s.devices.listByOwner(a.partnerId, owner.id);
        expect(owned.map((d) => d.displayName).sort()).toEqual(['Room A', 'Room C']);
        expect(owned.map((d) => d.id)).toEqual(owned.map((d) => d.id).sort());

        expect(await s.devices.listByOrg(b.partnerId, a.orgId, { limit: 10, offset: 0 })).toEqual([]);
        expect(await s.devices.countByOrg(b.partnerId, a.orgId)).toBe(0);
        expect(await s.devices.listByOwner(b.partnerId, owner.id)).toEqual([]);
        expect(await s.devices.count(b.partnerId)).toBe(0);
        expect(await s.devices.count(a.partnerId)).toBe(3);
      });

      test('when devices are counted, fetched by ids (in id order) and scanned, then each comes once', async () => {
        const before = await s.devices.count();
        const a = await tenant();
        const b = await tenant();
        const da = await s.devices.upsert(f.device(a.orgId));
        const db = await s.devices.upsert(f.device(b.orgId));

        expect(await s.devices.count()).toBeGreaterThanOrEqual(before + 2);
        expect(await s.devices.getByIds([db.id, uid(), da.id])).toEqual([da, db].sort((x, y) => (x.id < y.id ? -1 : 1)));
        expect(await s.devices.getByIds([])).toEqual([]);
        const batches = await batchesOf(s.devices.scan(1));
        const ids = batches.flat().map((d) => d.id);
        expect(batches.every((x) => x.length === 1)).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual(expect.arrayContaining([da.id, db.id]));
      });
    });

    describe('agents', () => {
      test('when an agent is created, then get, getByEmail in any case and listByPartner find it', async () => {
        const p = f.partner();
        const agent = agentOf(p.id, { email: `Mixed.Case-${uid()}@Example.com` });
        await s.agents.create(agent);
        const stored = { ...agent, email: agent.email.toLowerCase() };

        expect(await s.agents.get(agent.id)).toEqual(stored);
        expect(await s.agents.getByEmail(agent.email.toUpperCase())).toEqual(stored);
        expect(await s.agents.listByPartner(p.id)).toEqual([stored]);
        expect(await s.agents.listByPartner(`p-${uid()}`)).toEqual([]);
      });

      test("when an agent's email is taken, in any case and by any partner, then create is refused as a conflict", async () => {
        const first = agentOf(`p-${uid()}`);
        await s.agents.create(first);

        const err = await appErrorOf(s.agents.create(agentOf(`p-${uid()}`, { email: first.email.toUpperCase() })));
        expect(err.code).toBe('conflict');
        expect((await s.agents.getByEmail(first.email))?.id).toBe(first.id);
      });

      test("when an agent is updated, then the new fields are stored, and taking another agent's email is a conflict", async () => {
        const p = f.partner();
        const a = agentOf(p.id, { email: `b-${uid()}@example.com` });
        const other = agentOf(p.id, { email: `a-${uid()}@example.com` });
        await s.agents.create(a);
        await s.agents.create(other);

        const updated = { ...a, role: 'partner_admin' as const, disabled: true, failedLogins: 3, lockedUntil: '2024-02-01T10:15:00.000Z' };
        await s.agents.update(updated);
        expect(await s.agents.get(a.id)).toEqual(updated);
        expect((await s.agents.listByPartner(p.id)).map((x) => x.id)).toEqual([other.id, a.id]);

        const err = await appErrorOf(s.agents.update({ ...updated, email: other.email }));
        expect(err.code).toBe('conflict');
        expect(await s.agents.get(a.id)).toEqual(updated);
      });

      test('when an agent id or email is unknown, then get and getByEmail answer null', async () => {
        expect(await s.agents.get(uid())).toBeNull();
        expect(await s.agents.getByEmail(`nobody-${uid()}@example.com`)).toBeNull();
      });
    });

    describe('retention', () => {
      const DAY = 24 * HOUR;

      test('when retention runs, then it deletes exactly what outlived its use, once, even when two runs overlap', async () => {
        const now = new Date();
        const rule = { now, verificationsBefore: new Date(now.getTime() - 30 * DAY), auditBefore: new Date(now.getTime() - 400 * DAY) };
        const zero = { verifications: 0, signInLinks: 0, invitations: 0, sessions: 0, audit: 0 };
        // What earlier tests left that is due goes first, so the counts below are this test's own.
        await s.retention.purge(rule);
        const { partnerId, orgId } = await tenant();
        const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

        const oldCode = verificationOf(partnerId, orgId, uid(), { createdAt: ago(31 * DAY), expiresAt: ago(31 * DAY - 10 * MINUTE) });
        const recentCode = verificationOf(partnerId, orgId, uid(), { createdAt: ago(29 * DAY), expiresAt: ago(29 * DAY - 10 * MINUTE) });
        for (const v of [oldCode, recentCode]) await s.verifications.create(v);

        const usedLink = magicLinkOf();
        const expiredLink = magicLinkOf({ createdAt: ago(HOUR), expiresAt: ago(45 * MINUTE) });
        const liveLink = magicLinkOf();
        for (const l of [usedLink, expiredLink, liveLink]) await s.magicLinks.create(l);
        expect(await s.magicLinks.consume(usedLink.tokenHash, now)).not.toBeNull();

        const agentId = uid();
        const usedSetup = setupOf(uid(), { usedAt: ago(MINUTE) });
        const expiredSetup = setupOf(uid(), { createdAt: ago(2 * DAY), expiresAt: ago(DAY) });
        const liveSetup = setupOf(agentId);
        for (const x of [usedSetup, expiredSetup, liveSetup]) await s.passwordSetups.create(x);

        const expiredSession = { sid: uid(), agentId, data: '{}', expiresAt: ago(MINUTE) };
        const liveSession = { sid: uid(), agentId, data: '{}', expiresAt: new Date(now.getTime() + HOUR).toISOString() };
        for (const r of [expiredSession, liveSession]) await s.sessions.set(r);

        const oldEvent = eventOf(partnerId, { at: ago(401 * DAY) });
        const recentEvent = eventOf(partnerId, { at: ago(399 * DAY) });
        for (const e of [oldEvent, recentEvent]) await s.audit.append(e);

        const [a, b] = await Promise.all([s.retention.purge(rule), s.retention.purge(rule)]);
        const total = Object.fromEntries(Object.keys(zero).map((k) => [k, a[k as keyof typeof a] + b[k as keyof typeof b]]));

        expect(total).toEqual({ verifications: 1, signInLinks: 2, invitations: 2, sessions: 1, audit: 1 });
        expect(await s.sessions.get(liveSession.sid, now)).toEqual(liveSession);
        expect(await s.verifications.get(partnerId, oldCode.id)).toBeNull();
        expect(await s.verifications.get(partnerId, recentCode.id)).not.toBeNull();
        expect(await s.magicLinks.peek(liveLink.tokenHash, now)).toEqual(liveLink);
        expect(await s.passwordSetups.find(liveSetup.tokenHash, now)).toEqual(liveSetup);
        expect((await s.audit.query({ partnerId, limit: 10, offset: 0 })).events.map((e) => e.id)).toEqual([recentEvent.id]);
        expect(await s.retention.purge(rule)).toEqual(zero);
      });
    });

    describe('API tokens', () => {
      test('when a token is created, then getByHash finds it and an unknown hash finds nothing', async () => {
        const t = tokenOf(`p-${uid()}`);
        await s.apiTokens.create(t);

        expect(await s.apiTokens.getByHash(t.tokenHash)).toEqual(t);
        expect(await s.apiTokens.getByHash(crypto.createHash('sha256').update(uid()).digest('hex'))).toBeNull();
      });

      test('when an integration token (acting as no agent) is created, then it reads back with its role and no agent, listed with its partner', async () => {
        const partnerId = `p-${uid()}`;
        const t = tokenOf(partnerId, { agentId: null, role: 'integration' });
        await s.apiTokens.create(t);

        expect(await s.apiTokens.getByHash(t.tokenHash)).toEqual(t);
        expect(await s.apiTokens.listByPartner(partnerId)).toEqual([t]);
      });

      test('when a token is touched, then its lastUsedAt is set', async () => {
        const t = tokenOf(`p-${uid()}`);
        await s.apiTokens.create(t);
        await s.apiTokens.touch(t.id, '2024-02-02T09:30:00.000Z');

        expect(await s.apiTokens.getByHash(t.tokenHash)).toEqual({ ...t, lastUsedAt: '2024-02-02T09:30:00.000Z' });
      });

      test('when another partner revokes a token, then nothing happens; its own partner revokes it exactly once', async () => {
        const partnerId = `p-${uid()}`;
        const t = tokenOf(partnerId);
        await s.apiTokens.create(t);

        expect(await s.apiTokens.revoke(`p-${uid()}`, t.id, '2024-02-03T00:00:00.000Z')).toBe(false);
        expect((await s.apiTokens.getByHash(t.tokenHash))?.revokedAt).toBeNull();
        expect(await s.apiTokens.revoke(partnerId, t.id, '2024-02-03T00:00:00.000Z')).toBe(true);
        expect((await s.apiTokens.getByHash(t.tokenHash))?.revokedAt).toBe('2024-02-03T00:00:00.000Z');
        expect(await s.apiTokens.revoke(partnerId, t.id, '2024-02-04T00:00:00.000Z')).toBe(false);
        expect((await s.apiTokens.getByHash(t.tokenHash))?.revokedAt).toBe('2024-02-03T00:00:00.000Z');
        expect(await s.apiTokens.revoke(partnerId, uid(), '2024-02-04T00:00:00.000Z')).toBe(false);
      });

      test("when tokens are listed, then only the partner's come, newest first", async () => {
        const partnerId = `p-${uid()}`;
        const older = tokenOf(partnerId, { createdAt: '2024-01-01T00:00:00.000Z' });
        const newer = tokenOf(partnerId, { createdAt: '2024-06-01T00:00:00.000Z' });
        await s.apiTokens.create(older);
        await s.apiTokens.create(newer);
        await s.apiTokens.create(tokenOf(`p-${uid()}`));

        expect(await s.apiTokens.listByPartner(partnerId)).toEqual([newer, older]);
      });
    });

    describe('sessions', () => {
      const session = (over: { agentId?: string | null; data?: string; expiresAt?: string } = {}) => ({
        sid: uid(), agentId: uid(), data: JSON.stringify({ csrf: uid() }),
        expiresAt: new Date(Date.now() + HOUR).toISOString(), ...over,
      });

      test('when a session is set, then get answers it until it expires and null from then on', async () => {
        const now = new Date();
        const r = session();
        await s.sessions.set(r);

        expect(await s.sessions.get(r.sid, now)).toEqual(r);
        expect(await s.sessions.get(r.sid, new Date(Date.parse(r.expiresAt) - 1))).toEqual(r);
        expect(await s.sessions.get(r.sid, new Date(r.expiresAt))).toBeNull();
        expect(await s.sessions.get(r.sid, new Date(now.getTime() + 2 * HOUR))).toBeNull();
        expect(await s.sessions.get(uid(), now)).toBeNull();
      });

      test('when a session is set again or touched, then the new data and expiry hold', async () => {
        const now = new Date();
        const r = session({ agentId: null });
        await s.sessions.set(r);
        const signedIn = { ...r, agentId: uid(), data: '{"signedIn":true}' };
        await s.sessions.set(signedIn);
        expect(await s.sessions.get(r.sid, now)).toEqual(signedIn);

        const later = new Date(now.getTime() + 3 * HOUR).toISOString();
        await s.sessions.touch(r.sid, later);
        expect(await s.sessions.get(r.sid, new Date(now.getTime() + 2 * HOUR))).toEqual({ ...signedIn, expiresAt: later });
      });

      test('when a session is destroyed, then get answers null', async () => {
        const r = session();
        await s.sessions.set(r);
        await s.sessions.destroy(r.sid);

        expect(await s.sessions.get(r.sid, new Date())).toBeNull();
      });

      test("when an agent's sessions are destroyed, then only theirs go and the count says how many", async () => {
        const agentId = uid();
        const mine = [session({ agentId }), session({ agentId })];
        const theirs = session();
        for (const r of [...mine, theirs]) await s.sessions.set(r);

        expect(await s.sessions.destroyByAgent(agentId)).toBe(2);
        for (const r of mine) expect(await s.sessions.get(r.sid, new Date())).toBeNull();
        expect(await s.sessions.get(theirs.sid, new Date())).toEqual(theirs);
        expect(await s.sessions.destroyByAgent(agentId)).toBe(0);
      });

      test('when expired sessions are purged, then they are gone and live ones stay', async () => {
        const now = Date.now();
        const soon = session({ expiresAt: new Date(now + HOUR).toISOString() });
        const late = session({ expiresAt: new Date(now + 3 * HOUR).toISOString() });
        await s.sessions.set(soon);
        await s.sessions.set(late);

        const purgeAt = new Date(now + 2 * HOUR);
        expect(await s.sessions.purgeExpired(purgeAt)).toBeGreaterThanOrEqual(1);
        expect(await s.sessions.get(soon.sid, new Date(now))).toBeNull();
        expect(await s.sessions.get(late.sid, purgeAt)).toEqual(late);
      });
    });

    describe('audit', () => {
      test("when events are queried, then only the partner's come, newest first, with their total", async () => {
        const partnerId = `p-${uid()}`;
        const events = ['2024-03-01T10:00:00.000Z', '2024-03-03T10:00:00.000Z', '2024-03-02T10:00:00.000Z']
          .map((at) => eventOf(partnerId, { at, detail: { reason: 'ticket 42', nested: { n: 1 } } }));
        for (const e of events) await s.audit.append(e);
        await s.audit.append(eventOf(`p-${uid()}`));

        const result = await s.audit.query({ partnerId, limit: 10, offset: 0 });
        expect(result.total).toBe(3);
        expect(result.events).toEqual([events[1], events[2], events[0]]);
        expect(await s.audit.query({ partnerId: `p-${uid()}`, limit: 10, offset: 0 })).toEqual({ events: [], total: 0 });
      });

      test('when the query filters by org, actor, subject, action or time, then only matching events come', async () => {
        const partnerId = `p-${uid()}`;
        const base = eventOf(partnerId, { at: '2024-05-01T00:00:00.000Z' });
        const byOrg = eventOf(partnerId, { at: '2024-05-02T00:00:00.000Z', orgId: 'org-1' });
        const byActor = eventOf(partnerId, { at: '2024-05-03T00:00:00.000Z', actorId: 'agent-2' });
        const bySubject = eventOf(partnerId, { at: '2024-05-04T00:00:00.000Z', subject: 'user:u-1' });
        const byAction = eventOf(partnerId, { at: '2024-05-05T00:00:00.000Z', action: 'auth.sign_in', outcome: 'failure' });
        for (const e of [base, byOrg, byActor, bySubject, byAction]) await s.audit.append(e);
        const ids = async (q: Partial<Parameters<Store['audit']['query']>[0]>) =>
          (await s.audit.query({ partnerId, limit: 50, offset: 0, ...q })).events.map((e) => e.id);

        expect(await ids({ orgId: 'org-1' })).toEqual([byOrg.id]);
        expect(await ids({ actorId: 'agent-2' })).toEqual([byActor.id]);
        expect(await ids({ subject: 'user:u-1' })).toEqual([bySubject.id]);
        expect(await ids({ action: 'auth.sign_in' })).toEqual([byAction.id]);
        // `from` is inclusive, `to` exclusive.
        expect(await ids({ from: '2024-05-02T00:00:00.000Z', to: '2024-05-04T00:00:00.000Z' })).toEqual([byActor.id, byOrg.id]);
        expect(await ids({ from: '2024-05-05T00:00:00.000Z' })).toEqual([byAction.id]);
        expect(await ids({ to: '2024-05-02T00:00:00.000Z' })).toEqual([base.id]);
        expect((await s.audit.query({ partnerId, orgId: 'org-1', action: 'auth.sign_in', limit: 50, offset: 0 })).total).toBe(0);
      });

      test('when the query names several orgs, actors, subjects or actions, or an action family, then events matching any of them come', async () => {
        const partnerId = `p-${uid()}`;
        const a = eventOf(partnerId, { at: '2024-06-01T00:00:00.000Z', orgId: 'org-a', actorId: 'agent-a', subject: 'user:u-a', action: 'consent.grant' });
        const b = eventOf(partnerId, { at: '2024-06-02T00:00:00.000Z', orgId: 'org-b', actorId: 'agent-b', subject: 'user:u-b', action: 'consent' });
        const c = eventOf(partnerId, { at: '2024-06-03T00:00:00.000Z', orgId: 'org-c', actorId: 'agent-c', subject: 'user:u-c', action: 'consents.x' });
        const d = eventOf(partnerId, { at: '2024-06-04T00:00:00.000Z', orgId: 'org-d', actorId: 'agent-d', subject: 'user:u-d', action: 'user_view' });
        for (const e of [a, b, c, d]) await s.audit.append(e);
        const ids = async (q: Partial<Parameters<Store['audit']['query']>[0]>) =>
          (await s.audit.query({ partnerId, limit: 50, offset: 0, ...q })).events.map((e) => e.id);

        expect(await ids({ orgIds: ['org-a', 'org-c'] })).toEqual([c.id, a.id]);
        expect(await ids({ actorIds: ['agent-b', 'agent-d'] })).toEqual([d.id, b.id]);
        expect(await ids({ subjects: ['user:u-a', 'user:u-b'] })).toEqual([b.id, a.id]);
        expect(await ids({ actions: ['consent', 'user_view'] })).toEqual([d.id, b.id]);
        expect(await ids({ orgIds: [] })).toEqual([]);
        expect((await s.audit.query({ partnerId, actorIds: [], limit: 50, offset: 0 })).total).toBe(0);
        // A family is the action itself and what follows a dot, not a longer word; `_` and `.` are not wildcards.
        expect(await ids({ actionPrefix: 'consent' })).toEqual([b.id, a.id]);
        expect(await ids({ actionPrefix: 'user.view' })).toEqual([]);
        expect(await ids({ actionPrefix: 'consent', orgIds: ['org-a', 'org-b'], actorIds: ['agent-a'] })).toEqual([a.id]);
      });

      test('when the query pages, then limit and offset apply and total counts every match', async () => {
        const partnerId = `p-${uid()}`;
        const events = Array.from({ length: 5 }, (_, i) => eventOf(partnerId, { at: `2024-06-0${i + 1}T00:00:00.000Z` }));
        for (const e of events) await s.audit.append(e);
        const newestFirst = [...events].reverse().map((e) => e.id);

        const page1 = await s.audit.query({ partnerId, limit: 2, offset: 0 });
        const page3 = await s.audit.query({ partnerId, limit: 2, offset: 4 });
        expect(page1.events.map((e) => e.id)).toEqual(newestFirst.slice(0, 2));
        expect(page3.events.map((e) => e.id)).toEqual(newestFirst.slice(4));
        expect(page1.total).toBe(5);
        expect(page3.total).toBe(5);
      });
    });

    describe('change outbox', () => {
      test('when a follower saves its cursor, then it reads it back and it never moves back', async () => {
        const consumer = `test-${crypto.randomUUID()}`;
        expect(await s.changes.getCursor(consumer)).toBeNull();
        await s.changes.saveCursor(consumer, 42);
        await s.changes.saveCursor(consumer, 17);
        expect(await s.changes.getCursor(consumer)).toBe(42);
        await s.changes.saveCursor(consumer, 43);
        expect(await s.changes.getCursor(consumer)).toBe(43);
      });

      test('when an org, a user and a device are written, then one change each follows latestSeq, in order', async () => {
        const before = await s.changes.latestSeq();
        const { orgId } = await tenant();
        const u = await s.users.upsert(f.user(orgId));
        const d = await s.devices.upsert(f.device(orgId));

        const all = await s.changes.listAfter(before, 10_000);
        expect(all.every((c) => c.seq > before)).toBe(true);
        expect(all.map((c) => c.seq)).toEqual([...all.map((c) => c.seq)].sort((x, y) => x - y));
        const mine = all.filter((c) => [orgId, u.id, d.id].includes(c.id));
        expect(mine.map((c) => [c.entity, c.id])).toEqual([['org', orgId], ['user', u.id], ['device', d.id]]);
        expect(mine.every((c) => !Number.isNaN(Date.parse(c.at)))).toBe(true);
        expect(await s.changes.latestSeq()).toBeGreaterThanOrEqual(mine[2].seq);
      });

      test('when a record is written twice, then each write leaves its own change', async () => {
        const { partnerId, org } = await tenant();
        const before = await s.changes.latestSeq();
        await s.orgs.upsert({ ...org, name: 'Second' });
        await s.orgs.upsert({ ...org, name: 'Third' });

        expect((await changesFor(before, [org.id])).map((c) => c.entity)).toEqual(['org', 'org']);
        expect((await s.orgs.get(partnerId, org.id))?.name).toBe('Third');
      });

      test('when an upsert is refused, then no change is recorded', async () => {
        const a = await tenant();
        const b = await tenant();
        const before = await s.changes.latestSeq();
        const orphan = f.user(uid());
        await appErrorOf(s.users.upsert(orphan));
        await appErrorOf(s.orgs.upsert({ ...a.org, partnerId: b.partnerId }));
        await appErrorOf(s.devices.upsert(f.device(a.orgId, { ownerUserId: uid() })));

        expect(await changesFor(before, [orphan.id, a.orgId])).toEqual([]);
      });

      test('when listAfter is given a limit, then at most that many come, the oldest first', async () => {
        const before = await s.changes.latestSeq();
        await tenant();
        await tenant();
        await tenant();

        const two = await s.changes.listAfter(before, 2);
        const all = await s.changes.listAfter(before, 100);
        expect(two).toHaveLength(2);
        expect(two).toEqual(all.slice(0, 2));
        expect(await s.changes.listAfter(two[1].seq, 100)).toEqual(all.slice(2));
      });

      test('when a rebuild is requested, then an "all" change is appended and latestSeq reaches it', async () => {
        const before = await s.changes.latestSeq();
        await s.changes.requestRebuild();

        const rebuild = (await s.changes.listAfter(before, 10_000)).filter((c) => c.entity === 'all');
        expect(rebuild).toHaveLength(1);
        expect(rebuild[0]).toMatchObject({ entity: 'all', id: '*' });
        expect(await s.changes.latestSeq()).toBeGreaterThanOrEqual(rebuild[0].seq);
      });

      test('when changes are pruned, then those older than the date go and newer ones stay', async () => {
        const before = await s.changes.latestSeq();
        const old = await tenant();
        const [oldChange] = await changesFor(before, [old.orgId]);
        await sleep(10);
        const cut = new Date();
        await sleep(10);
        const recent = await tenant();

        expect(await s.changes.prune(cut)).toBeGreaterThanOrEqual(1);
        expect((await s.changes.listAfter(before, 10_000)).map((c) => c.id)).not.toContain(old.orgId);
        expect((await changesFor(oldChange.seq, [recent.orgId])).map((c) => c.entity)).toEqual(['org']);
        expect(await s.changes.latestSeq()).toBeGreaterThanOrEqual(oldChange.seq + 1);
        expect(await s.changes.prune(cut)).toBe(0);
      });
    });

    describe('rate limits', () => {
      const WINDOW = 15 * MINUTE;

      test('when a key is hit within one window, then the count rises and the window end stays fixed', async () => {
        const key = `rl:${uid()}`;
        const t0 = new Date();
        const first = await s.rateLimits.hit(key, WINDOW, t0);
        const second = await s.rateLimits.hit(key, WINDOW, new Date(t0.getTime() + MINUTE));
        const third = await s.rateLimits.hit(key, WINDOW, new Date(t0.getTime() + 2 * MINUTE));

        expect([first.count, second.count, third.count]).toEqual([1, 2, 3]);
        expect(first.resetAt.getTime()).toBe(t0.getTime() + WINDOW);
        expect(third.resetAt.getTime()).toBe(first.resetAt.getTime());
        expect(await s.rateLimits.count(key, new Date(t0.getTime() + 3 * MINUTE))).toBe(3);
        expect(await s.rateLimits.count(`rl:${uid()}`, t0)).toBe(0);
      });

      test('when the window has ended, then count answers 0 and the next hit opens a new window', async () => {
        const key = `rl:${uid()}`;
        const t0 = new Date();
        await s.rateLimits.hit(key, WINDOW, t0);
        await s.rateLimits.hit(key, WINDOW, t0);
        const end = new Date(t0.getTime() + WINDOW);

        expect(await s.rateLimits.count(key, end)).toBe(0);
        const next = await s.rateLimits.hit(key, WINDOW, end);
        expect(next.count).toBe(1);
        expect(next.resetAt.getTime()).toBe(end.getTime() + WINDOW);
      });

      test('when a hit is decremented, then the count drops by one but never below zero', async () => {
        const key = `rl:${uid()}`;
        const t0 = new Date();
        await s.rateLimits.hit(key, WINDOW, t0);
        await s.rateLimits.hit(key, WINDOW, t0);

        await s.rateLimits.decrement(key);
        expect(await s.rateLimits.count(key, t0)).toBe(1);
        await s.rateLimits.decrement(key);
        await s.rateLimits.decrement(key);
        expect(await s.rateLimits.count(key, t0)).toBe(0);
        expect((await s.rateLimits.hit(key, WINDOW, t0)).count).toBe(1);
        await s.rateLimits.decrement(`rl:${uid()}`);
      });

      test('when a key is reset, then its count is 0 and the next hit starts over', async () => {
        const key = `rl:${uid()}`;
        const t0 = new Date();
        await s.rateLimits.hit(key, WINDOW, t0);
        await s.rateLimits.hit(key, WINDOW, t0);

        await s.rateLimits.reset(key);
        expect(await s.rateLimits.count(key, t0)).toBe(0);
        const t1 = new Date(t0.getTime() + MINUTE);
        expect(await s.rateLimits.hit(key, WINDOW, t1)).toEqual({ count: 1, resetAt: new Date(t1.getTime() + WINDOW) });
      });

      test('when two keys are hit, including at the same moment, then each counts its own hits', async () => {
        const a = `rl:${uid()}`;
        const b = `rl:${uid()}`;
        const t0 = new Date();
        await Promise.all([1, 2, 3, 4, 5].map(() => s.rateLimits.hit(a, WINDOW, t0)));
        await s.rateLimits.hit(b, WINDOW, t0);

        expect(await s.rateLimits.count(a, t0)).toBe(5);
        expect(await s.rateLimits.count(b, t0)).toBe(1);
      });
    });

    describe('verifications', () => {
      async function withUser() {
        const t = await tenant();
        const u = await s.users.upsert(f.user(t.orgId));
        return { ...t, userId: u.id };
      }
      const attempt = (correct: boolean, now = new Date()) => ({ correct, now, maxAttempts: 3 });

      test('when a code is created, then get and latestForUser answer it, and another partner sees nothing', async () => {
        const { partnerId, orgId, userId } = await withUser();
        const v = verificationOf(partnerId, orgId, userId);
        await s.verifications.create(v);

        expect(await s.verifications.get(partnerId, v.id)).toEqual(v);
        expect(await s.verifications.latestForUser(partnerId, userId)).toEqual(v);
        expect(await s.verifications.get(`p-${uid()}`, v.id)).toBeNull();
        expect(await s.verifications.latestForUser(`p-${uid()}`, userId)).toBeNull();
        expect(await s.verifications.attempt(`p-${uid()}`, v.id, attempt(true))).toBeNull();
        expect((await s.verifications.get(partnerId, v.id))?.attempts).toBe(0);
      });

      test("when a new code is created for the user, then the pending one is voided and the new one is the latest", async () => {
        const { partnerId, orgId, userId } = await withUser();
        const first = verificationOf(partnerId, orgId, userId, { createdAt: new Date(Date.now() - MINUTE).toISOString() });
        const second = verificationOf(partnerId, orgId, userId);
        await s.verifications.create(first);
        await s.verifications.create(second);

        expect(await s.verifications.get(partnerId, first.id)).toMatchObject({ outcome: 'voided', settledAt: second.createdAt });
        expect(await s.verifications.latestForUser(partnerId, userId)).toEqual(second);
        expect(await s.verifications.attempt(partnerId, first.id, attempt(true))).toBeNull();
      });

      test('when wrong answers are checked, then attempts rise and the last allowed one locks the code', async () => {
        const { partnerId, orgId, userId } = await withUser();
        const v = verificationOf(partnerId, orgId, userId);
        await s.verifications.create(v);

        expect(await s.verifications.attempt(partnerId, v.id, attempt(false))).toMatchObject({ attempts: 1, outcome: 'pending', settledAt: null });
        expect(await s.verifications.attempt(partnerId, v.id, attempt(false))).toMatchObject({ attempts: 2, outcome: 'pending' });
        const now = new Date();
        expect(await s.verifications.attempt(partnerId, v.id, attempt(false, now)))
          .toMatchObject({ attempts: 3, outcome: 'locked', settledAt: now.toISOString() });
        expect(await s.verifications.attempt(partnerId, v.id, attempt(true))).toBeNull();
      });

      test('when a correct answer is checked twice at once, then the code is verified exactly once', async () => {
        const { partnerId, orgId, userId } = await withUser();
        const v = verificationOf(partnerId, orgId, userId);
        await s.verifications.create(v);

        const now = new Date();
        const results = await Promise.all([1, 2].map(() => s.verifications.attempt(partnerId, v.id, attempt(true, now))));
        expect(results.filter((r) => r !== null)).toEqual([{ ...v, attempts: 1, outcome: 'verified', settledAt: now.toISOString() }]);
        expect(await s.verifications.get(partnerId, v.id)).toMatchObject({ attempts: 1, outcome: 'verified' });
      });

      test('when an expired code is answered, then the attempt does not apply', async () => {
        const { partnerId, orgId, userId } = await withUser();
        const v = verificationOf(partnerId, orgId, userId);
        await s.verifications.create(v);

        expect(await s.verifications.attempt(partnerId, v.id, attempt(true, new Date(v.expiresAt)))).toBeNull();
        expect(await s.verifications.get(partnerId, v.id)).toEqual(v);
      });

      test('when a pending code is voided, then it cannot be answered, and another partner cannot void it', async () => {
        const { partnerId, orgId, userId } = await withUser();
        const v = verificationOf(partnerId, orgId, userId);
        await s.verifications.create(v);

        await s.verifications.void(`p-${uid()}`, v.id, new Date());
        expect((await s.verifications.get(partnerId, v.id))?.outcome).toBe('pending');
        const at = new Date();
        await s.verifications.void(partnerId, v.id, at);
        expect(await s.verifications.get(partnerId, v.id)).toMatchObject({ outcome: 'voided', settledAt: at.toISOString() });
        expect(await s.verifications.attempt(partnerId, v.id, attempt(true))).toBeNull();
      });
    });

    describe('mail outbox', () => {
      test("when mails are appended, then the partner lists them newest first, a page at a time, and another partner sees none", async () => {
        const partnerId = `p-${uid()}`;
        const mails = ['2024-04-01', '2024-04-03', '2024-04-02'].map((d) => mailOf(partnerId, { createdAt: `${d}T10:00:00.000Z` }));
        for (const m of mails) await s.mailOutbox.append(m);
        await s.mailOutbox.append(mailOf(`p-${uid()}`));

        expect(await s.mailOutbox.listByPartner(partnerId, { limit: 2, offset: 0 })).toEqual([mails[1], mails[2]]);
        expect(await s.mailOutbox.listByPartner(partnerId, { limit: 2, offset: 2 })).toEqual([mails[0]]);
        expect(await s.mailOutbox.listByPartner(`p-${uid()}`, { limit: 10, offset: 0 })).toEqual([]);
      });

      test('when the development mailbox lists every mail, then every partner\'s mail comes newest first', async () => {
        // Dated after anything else in the suite, so they are the newest.
        const a = mailOf(`p-${uid()}`, { createdAt: '2099-01-01T10:00:00.000Z' });
        const b = mailOf(`p-${uid()}`, { createdAt: '2099-01-02T10:00:00.000Z' });
        for (const m of [a, b]) await s.mailOutbox.append(m);
        expect(await s.mailOutbox.listAll({ limit: 2, offset: 0 })).toEqual([b, a]);
        expect((await s.mailOutbox.listAll({ limit: 1, offset: 1 }))).toEqual([a]);
      });
    });

    describe('password setup links', () => {
      test('when a link is created, then find answers it while unused and unexpired, and nothing for an unknown hash', async () => {
        const setup = setupOf(uid());
        await s.passwordSetups.create(setup);

        expect(await s.passwordSetups.find(setup.tokenHash, new Date())).toEqual(setup);
        expect(await s.passwordSetups.find(setup.tokenHash, new Date(setup.expiresAt))).toBeNull();
        expect(await s.passwordSetups.find(crypto.createHash('sha256').update(uid()).digest('hex'), new Date())).toBeNull();
      });

      test('when a link is consumed, then it is marked used once and can be neither found nor consumed again', async () => {
        const setup = setupOf(uid());
        await s.passwordSetups.create(setup);
        const now = new Date();

        expect(await s.passwordSetups.consume(setup.tokenHash, now)).toEqual({ ...setup, usedAt: now.toISOString() });
        expect(await s.passwordSetups.consume(setup.tokenHash, now)).toBeNull();
        expect(await s.passwordSetups.find(setup.tokenHash, now)).toBeNull();
      });

      test('when the same link is submitted twice at once, then exactly one submission consumes it', async () => {
        const setup = setupOf(uid());
        await s.passwordSetups.create(setup);

        const results = await Promise.all([1, 2].map(() => s.passwordSetups.consume(setup.tokenHash, new Date())));
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });

      test('when an expired link is consumed, then nothing happens', async () => {
        const setup = setupOf(uid());
        await s.passwordSetups.create(setup);

        expect(await s.passwordSetups.consume(setup.tokenHash, new Date(setup.expiresAt))).toBeNull();
        expect(await s.passwordSetups.find(setup.tokenHash, new Date())).toEqual(setup);
      });

      test("when a new link is created for the agent, then the agent's earlier unused link stops working", async () => {
        const agentId = uid();
        const first = setupOf(agentId);
        const second = setupOf(agentId, { createdAt: new Date(Date.now() + 1000).toISOString() });
        const otherAgents = setupOf(uid());
        await s.passwordSetups.create(first);
        await s.passwordSetups.create(otherAgents);
        await s.passwordSetups.create(second);

        expect(await s.passwordSetups.find(first.tokenHash, new Date())).toBeNull();
        expect(await s.passwordSetups.consume(first.tokenHash, new Date())).toBeNull();
        expect(await s.passwordSetups.find(second.tokenHash, new Date())).toEqual(second);
        expect(await s.passwordSetups.find(otherAgents.tokenHash, new Date())).toEqual(otherAgents);
      });
    });

    describe('suppression list', () => {
      test('when an address is suppressed, then get finds it in any case, and a second upsert replaces the entry', async () => {
        const email = `Sup-${uid()}@Example.com`;
        await s.suppressions.upsert({ email, reason: 'hard_bounce', since: '2024-04-02T08:01:00.000Z', detail: '550 5.1.1' });
        const stored = { email: email.toLowerCase(), reason: 'hard_bounce', since: '2024-04-02T08:01:00.000Z', detail: '550 5.1.1' };

        expect(await s.suppressions.get(email.toUpperCase())).toEqual(stored);
        const replaced = { ...stored, reason: 'complaint' as const, since: '2024-04-03T00:00:00.000Z', detail: 'abuse report' };
        await s.suppressions.upsert(replaced);
        expect(await s.suppressions.get(email)).toEqual(replaced);
      });

      test('when an address is removed, then the entry is answered once and the address is no longer suppressed', async () => {
        const email = `sup-${uid()}@example.com`;
        const entry = { email, reason: 'manual' as const, since: '2024-04-02T08:01:00.000Z', detail: '' };
        await s.suppressions.upsert(entry);

        expect(await s.suppressions.remove(` ${email.toUpperCase()} `)).toEqual(entry);
        expect(await s.suppressions.get(email)).toBeNull();
        expect(await s.suppressions.remove(email)).toBeNull();
      });
    });

    describe('email events', () => {
      const eventOfType = (email: string, over: Partial<EmailEvent> = {}): EmailEvent => ({
        email, type: 'bounce', messageKind: 'welcome', at: '2024-04-02T08:01:00.000Z', detail: '550 5.1.1', ...over,
      });

      test('when the same event is appended twice, even with the instant written differently, then it is recorded once', async () => {
        const email = `ev-${uid()}@example.com`;

        expect(await s.emailEvents.append(eventOfType(email))).toBe(true);
        expect(await s.emailEvents.append(eventOfType(email.toUpperCase()))).toBe(false);
        expect(await s.emailEvents.append(eventOfType(email, { at: '2024-04-02T08:01:00Z' }))).toBe(false);
        expect(await s.emailEvents.append(eventOfType(email, { type: 'complaint' }))).toBe(true);
      });

      test("when events are appended out of order, then latest answers the address's newest by time", async () => {
        const email = `ev-${uid()}@example.com`;
        const newest = eventOfType(email, { type: 'delivery', at: '2024-04-03T00:00:00.000Z', detail: '250 ok' });
        await s.emailEvents.append(newest);
        await s.emailEvents.append(eventOfType(email, { at: '2024-04-01T00:00:00.000Z' }));

        expect(await s.emailEvents.latest(email.toUpperCase())).toEqual(newest);
        expect(await s.emailEvents.latest(`nobody-${uid()}@example.com`)).toBeNull();
      });
    });

    describe('replay keys', () => {
      test('when a key is claimed, then a second claim fails until it expires or is released', async () => {
        const key = `replay:${uid()}`;
        const now = new Date();
        const expiresAt = new Date(now.getTime() + 5 * MINUTE);

        expect(await s.replays.claim(key, expiresAt, now)).toBe(true);
        expect(await s.replays.claim(key, expiresAt, new Date(now.getTime() + MINUTE))).toBe(false);
        expect(await s.replays.claim(key, new Date(expiresAt.getTime() + 5 * MINUTE), expiresAt)).toBe(true);
        await s.replays.release(key);
        expect(await s.replays.claim(key, expiresAt, now)).toBe(true);
      });

      test('when one key is claimed twice at once, then exactly one claim succeeds', async () => {
        const key = `replay:${uid()}`;
        const now = new Date();

        const results = await Promise.all([1, 2, 3].map(() => s.replays.claim(key, new Date(now.getTime() + MINUTE), now)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('consent grants', () => {
      test('when a grant is created, then get and active answer it in its org only, and a second active grant is refused', async () => {
        const { partnerId, orgId } = await tenant();
        const now = new Date();
        const grant = grantOf(partnerId, orgId);

        expect(await s.consentGrants.create(grant, now)).toBe(true);
        expect(await s.consentGrants.get(partnerId, orgId, grant.id)).toEqual(grant);
        expect(await s.consentGrants.active(partnerId, orgId, now)).toEqual(grant);
        expect(await s.consentGrants.get(`p-${uid()}`, orgId, grant.id)).toBeNull();
        expect(await s.consentGrants.active(`p-${uid()}`, orgId, now)).toBeNull();
        expect(await s.consentGrants.create(grantOf(partnerId, orgId), now)).toBe(false);
        expect(await s.consentGrants.active(partnerId, orgId, new Date(grant.expiresAt))).toBeNull();
      });

      test('when two grants are created at once, then exactly one is stored', async () => {
        const { partnerId, orgId } = await tenant();
        const now = new Date();

        const results = await Promise.all([1, 2].map(() => s.consentGrants.create(grantOf(partnerId, orgId), now)));
        expect(results.sort()).toEqual([false, true]);
        expect(await s.consentGrants.listByOrg(partnerId, orgId, { limit: 10, offset: 0 })).toHaveLength(1);
      });

      test('when an active grant is extended or revoked, then it changes; an ended one is left as it is', async () => {
        const { partnerId, orgId } = await tenant();
        const now = new Date();
        const grant = grantOf(partnerId, orgId);
        await s.consentGrants.create(grant, now);

        const later = new Date(Date.parse(grant.expiresAt) + 24 * HOUR).toISOString();
        expect(await s.consentGrants.extend(partnerId, orgId, grant.id, later, now)).toEqual({ ...grant, expiresAt: later });
        expect(await s.consentGrants.extend(`p-${uid()}`, orgId, grant.id, later, now)).toBeNull();
        expect(await s.consentGrants.revoke(partnerId, orgId, grant.id, 'admin-2', now))
          .toEqual({ ...grant, expiresAt: later, revokedAt: now.toISOString(), revokedBy: 'admin-2' });
        expect(await s.consentGrants.active(partnerId, orgId, now)).toBeNull();
        expect(await s.consentGrants.revoke(partnerId, orgId, grant.id, 'admin-3', now)).toBeNull();
        expect(await s.consentGrants.extend(partnerId, orgId, grant.id, later, now)).toBeNull();
        expect(await s.consentGrants.create(grantOf(partnerId, orgId), now)).toBe(true);
      });

      test('when grants are listed, then the org has them newest first, revoked and expired ones included', async () => {
        const { partnerId, orgId } = await tenant();
        const old = grantOf(partnerId, orgId, { grantedAt: '2024-01-01T00:00:00.000Z', expiresAt: '2024-01-08T00:00:00.000Z' });
        const current = grantOf(partnerId, orgId);
        await s.consentGrants.create(old, new Date('2024-01-01T00:00:00.000Z'));
        await s.consentGrants.create(current, new Date());

        expect(await s.consentGrants.listByOrg(partnerId, orgId, { limit: 10, offset: 0 })).toEqual([current, old]);
        expect(await s.consentGrants.listByOrg(partnerId, orgId, { limit: 1, offset: 1 })).toEqual([old]);
        expect(await s.consentGrants.listByOrg(`p-${uid()}`, orgId, { limit: 10, offset: 0 })).toEqual([]);
      });

      test('when grants ending soon are asked for, then the active ones ending in the window come, from any partner', async () => {
        const a = await tenant();
        const b = await tenant();
        const c = await tenant();
        const now = new Date();
        // A window in the far future keeps other tests' grants out of it.
        const base = Date.now() + 3000 * 24 * HOUR;
        const soonA = grantOf(a.partnerId, a.orgId, { expiresAt: new Date(base + HOUR).toISOString() });
        const soonB = grantOf(b.partnerId, b.orgId, { expiresAt: new Date(base + 2 * HOUR).toISOString() });
        const revoked = grantOf(c.partnerId, c.orgId, { expiresAt: new Date(base + HOUR).toISOString() });
        for (const g of [soonB, soonA, revoked]) await s.consentGrants.create(g, now);
        await s.consentGrants.revoke(c.partnerId, c.orgId, revoked.id, 'admin', now);

        const ending = await s.consentGrants.endingBy(new Date(base), new Date(base + 2 * HOUR));
        expect(ending.map((g) => g.id)).toEqual([soonA.id, soonB.id]);
        expect(await s.consentGrants.endingBy(new Date(base), new Date(base + HOUR - 1))).toEqual([]);
      });
    });

    describe('access requests', () => {
      test('when requests are created, then the org lists them newest first, by status too, and another partner sees none', async () => {
        const { partnerId, orgId } = await tenant();
        const first = requestOf(partnerId, orgId, { createdAt: '2024-05-01T10:00:00.000Z' });
        const second = requestOf(partnerId, orgId, { createdAt: '2024-05-02T10:00:00.000Z', status: 'denied' });
        await s.accessRequests.create(first);
        await s.accessRequests.create(second);

        expect(await s.accessRequests.get(partnerId, orgId, first.id)).toEqual(first);
        expect(await s.accessRequests.get(`p-${uid()}`, orgId, first.id)).toBeNull();
        expect(await s.accessRequests.listByOrg(partnerId, orgId, { limit: 10, offset: 0 })).toEqual([second, first]);
        expect(await s.accessRequests.listByOrg(partnerId, orgId, { limit: 10, offset: 0, status: 'pending' })).toEqual([first]);
        expect(await s.accessRequests.listByOrg(partnerId, orgId, { limit: 1, offset: 1 })).toEqual([first]);
        expect(await s.accessRequests.listByOrg(`p-${uid()}`, orgId, { limit: 10, offset: 0 })).toEqual([]);
      });

      test('when two admins decide a request at once, then it is settled once', async () => {
        const { partnerId, orgId } = await tenant();
        const request = requestOf(partnerId, orgId);
        await s.accessRequests.create(request);
        const decision = (status: 'approved' | 'denied') => ({ status, by: `admin-${status}`, at: '2024-05-03T00:00:00.000Z', grantId: status === 'approved' ? 'g-1' : null });

        const results = await Promise.all([s.accessRequests.decide(partnerId, orgId, request.id, decision('approved')),
          s.accessRequests.decide(partnerId, orgId, request.id, decision('denied'))]);
        const settled = results.filter((r) => r !== null);
        expect(settled).toHaveLength(1);
        expect(await s.accessRequests.get(partnerId, orgId, request.id)).toEqual(settled[0]);
        expect(settled[0]).toMatchObject({ decidedAt: '2024-05-03T00:00:00.000Z' });
        expect(await s.accessRequests.decide(`p-${uid()}`, orgId, request.id, decision('denied'))).toBeNull();
      });
    });

    describe('magic links', () => {
      test('when a link is peeked, then it stays usable; when consumed, then only the first caller gets it', async () => {
        const link = magicLinkOf();
        await s.magicLinks.create(link);
        const now = new Date();

        expect(await s.magicLinks.peek(link.tokenHash, now)).toEqual(link);
        expect(await s.magicLinks.peek(link.tokenHash, now)).toEqual(link);
        const results = await Promise.all([1, 2].map(() => s.magicLinks.consume(link.tokenHash, now)));
        expect(results.filter((r) => r !== null)).toEqual([{ ...link, consumedAt: now.toISOString() }]);
        expect(await s.magicLinks.peek(link.tokenHash, now)).toBeNull();
      });

      test('when a link has expired, then it can be neither peeked nor consumed, and purging removes it', async () => {
        const link = magicLinkOf();
        const live = magicLinkOf({ expiresAt: new Date(Date.now() + 5 * HOUR).toISOString() });
        await s.magicLinks.create(link);
        await s.magicLinks.create(live);
        const after = new Date(link.expiresAt);

        expect(await s.magicLinks.peek(link.tokenHash, after)).toBeNull();
        expect(await s.magicLinks.consume(link.tokenHash, after)).toBeNull();
        expect(await s.magicLinks.purgeExpired(after)).toBeGreaterThanOrEqual(1);
        expect(await s.magicLinks.peek(link.tokenHash, new Date())).toBeNull();
        expect(await s.magicLinks.peek(live.tokenHash, new Date())).toEqual(live);
      });
    });

    describe('grant reminders', () => {
      test('when a reminder is claimed, then only the first claim of that grant, kind and end succeeds until released', async () => {
        const grantId = uid();
        const endsAt = '2024-08-01T00:00:00.000Z';
        const at = new Date();

        const results = await Promise.all([1, 2].map(() => s.grantReminders.claim(grantId, '14d', endsAt, at)));
        expect(results.sort()).toEqual([false, true]);
        expect(await s.grantReminders.claim(grantId, '2d', endsAt, at)).toBe(true);
        expect(await s.grantReminders.claim(grantId, '14d', '2024-09-01T00:00:00.000Z', at)).toBe(true);
        await s.grantReminders.release(grantId, '14d', endsAt);
        expect(await s.grantReminders.claim(grantId, '14d', endsAt, at)).toBe(true);
      });
    });

    describe('recently opened records', () => {
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 15, 10, minute)).toISOString();

      test('when an agent opens records, then they are listed newest first, and another agent’s are not', async () => {
        const agentId = uid();
        const other = uid();
        const [u, o, d] = [uid(), uid(), uid()];
        await s.recents.record({ agentId, kind: 'user', id: u, openedAt: at(1) }, 30);
        await s.recents.record({ agentId, kind: 'org', id: o, openedAt: at(2) }, 30);
        await s.recents.record({ agentId, kind: 'device', id: d, openedAt: at(3) }, 30);
        await s.recents.record({ agentId: other, kind: 'user', id: uid(), openedAt: at(4) }, 30);
        expect(await s.recents.list(agentId, 10)).toEqual([
          { agentId, kind: 'device', id: d, openedAt: at(3) },
          { agentId, kind: 'org', id: o, openedAt: at(2) },
          { agentId, kind: 'user', id: u, openedAt: at(1) },
        ]);
        expect(await s.recents.list(agentId, 2)).toHaveLength(2);
      });

      test('when the same record is opened again, then it moves to the top once, and an older time never moves it back', async () => {
        const agentId = uid();
        const [a, b] = [uid(), uid()];
        await s.recents.record({ agentId, kind: 'user', id: a, openedAt: at(1) }, 30);
        await s.recents.record({ agentId, kind: 'user', id: b, openedAt: at(2) }, 30);
        await s.recents.record({ agentId, kind: 'user', id: a, openedAt: at(3) }, 30);
        await s.recents.record({ agentId, kind: 'user', id: a, openedAt: at(0) }, 30);
        expect((await s.recents.list(agentId, 10)).map((r) => [r.id, r.openedAt])).toEqual([[a, at(3)], [b, at(2)]]);
        // The same id under another kind is another entry.
        await s.recents.record({ agentId, kind: 'org', id: a, openedAt: at(4) }, 30);
        expect((await s.recents.list(agentId, 10)).map((r) => r.kind)).toEqual(['org', 'user', 'user']);
      });

      test('when an agent opens more than the store keeps, then only the newest stay', async () => {
        const agentId = uid();
        const ids = Array.from({ length: 6 }, () => uid());
        for (const [i, id] of ids.entries()) await s.recents.record({ agentId, kind: 'user', id, openedAt: at(i) }, 4);
        expect((await s.recents.list(agentId, 10)).map((r) => r.id)).toEqual(ids.slice(2).reverse());
      });

      test('when the same record is first opened twice at once, then it is listed once', async () => {
        const agentId = uid();
        const id = uid();
        await Promise.all([1, 2].map((m) => s.recents.record({ agentId, kind: 'device', id, openedAt: at(m) }, 30)));
        expect((await s.recents.list(agentId, 10)).map((r) => [r.id, r.openedAt])).toEqual([[id, at(2)]]);
      });
    });

    describe('named support contacts', () => {
      test('when contacts are added, then listByOrg lists them by product, then name, and only for their partner', async () => {
        const { partnerId, orgId } = await tenant();
        const zoe = await s.users.upsert(f.user(orgId, { firstName: 'Zoe' }));
        const adam = await s.users.upsert(f.user(orgId, { firstName: 'Adam' }));

        expect(await s.supportContacts.add(partnerId, orgId, zoe.id, 'Webex Meetings', 4)).toBe('added');
        expect(await s.supportContacts.add(partnerId, orgId, adam.id, 'Webex Meetings', 4)).toBe('added');
        expect(await s.supportContacts.add(partnerId, orgId, zoe.id, 'Webex Calling', 4)).toBe('added');

        expect(await s.supportContacts.listByOrg(partnerId, orgId)).toEqual([
          { product: 'Webex Calling', userId: zoe.id, displayName: zoe.displayName, email: zoe.email },
          { product: 'Webex Meetings', userId: adam.id, displayName: adam.displayName, email: adam.email },
          { product: 'Webex Meetings', userId: zoe.id, displayName: zoe.displayName, email: zoe.email },
        ]);
        expect((await s.users.get(partnerId, zoe.id))?.supportContactFor.sort()).toEqual(['Webex Calling', 'Webex Meetings']);
        expect(await s.supportContacts.listByOrg(`p-${uid()}`, orgId)).toEqual([]);
      });

      test('when the user is not in the org or the partner, then add answers no_such_user and changes nothing', async () => {
        const a = await tenant();
        const b = await tenant();
        const u = await s.users.upsert(f.user(a.orgId));
        const otherOrg = f.org(a.partnerId);
        await s.orgs.upsert(otherOrg);

        expect(await s.supportContacts.add(b.partnerId, a.orgId, u.id, 'Webex Meetings', 4)).toBe('no_such_user');
        expect(await s.supportContacts.add(a.partnerId, otherOrg.id, u.id, 'Webex Meetings', 4)).toBe('no_such_user');
        expect(await s.supportContacts.add(a.partnerId, a.orgId, uid(), 'Webex Meetings', 4)).toBe('no_such_user');
        expect(await s.supportContacts.remove(b.partnerId, a.orgId, u.id, 'Webex Meetings')).toBe(false);
        expect((await s.users.get(a.partnerId, u.id))?.supportContactFor).toEqual([]);
      });

      test('when the quota is reached, then add answers quota_reached, and adding a contact again answers already', async () => {
        const { partnerId, orgId } = await tenant();
        const users = [];
        for (let i = 0; i < 3; i++) users.push(await s.users.upsert(f.user(orgId)));

        expect(await s.supportContacts.add(partnerId, orgId, users[0].id, 'Webex Meetings', 2)).toBe('added');
        expect(await s.supportContacts.add(partnerId, orgId, users[0].id, 'Webex Meetings', 2)).toBe('already');
        expect(await s.supportContacts.add(partnerId, orgId, users[1].id, 'Webex Meetings', 2)).toBe('added');
        expect(await s.supportContacts.add(partnerId, orgId, users[2].id, 'Webex Meetings', 2)).toBe('quota_reached');
        expect(await s.supportContacts.add(partnerId, orgId, users[2].id, 'Webex Calling', 2)).toBe('added');
        expect((await s.supportContacts.listByOrg(partnerId, orgId)).filter((c) => c.product === 'Webex Meetings')).toHaveLength(2);
      });

      test('when two additions race for the last place, then only one is added', async () => {
        const { partnerId, orgId } = await tenant();
        const a = await s.users.upsert(f.user(orgId));
        const b = await s.users.upsert(f.user(orgId));

        const results = await Promise.all([a, b].map((u) => s.supportContacts.add(partnerId, orgId, u.id, 'Webex Meetings', 1)));
        expect(results.sort()).toEqual(['added', 'quota_reached']);
        expect(await s.supportContacts.listByOrg(partnerId, orgId)).toHaveLength(1);
      });

      test('when a contact is added or removed, then a change for the user is recorded; a no-op records none', async () => {
        const { partnerId, orgId } = await tenant();
        const u = await s.users.upsert(f.user(orgId));
        const before = await s.changes.latestSeq();

        await s.supportContacts.add(partnerId, orgId, u.id, 'Webex Meetings', 4);
        expect(await s.supportContacts.remove(partnerId, orgId, u.id, 'Webex Meetings')).toBe(true);
        expect(await s.supportContacts.remove(partnerId, orgId, u.id, 'Webex Meetings')).toBe(false);
        expect(await s.supportContacts.add(partnerId, orgId, uid(), 'Webex Meetings', 4)).toBe('no_such_user');

        expect((await changesFor(before, [u.id])).map((c) => c.entity)).toEqual(['user', 'user']);
        expect(await s.supportContacts.listByOrg(partnerId, orgId)).toEqual([]);
        expect((await s.users.get(partnerId, u.id))?.supportContactFor).toEqual([]);
      });
    });

    describe('suppression list, email events and replays', () => {
      const address = () => `mailbox-${uid()}@example.com`;

      test('when an address is suppressed, then get finds it in any case, upsert replaces it and remove returns what it removed', async () => {
        const email = address();
        await s.suppressions.upsert({ email: email.toUpperCase(), reason: 'hard_bounce', since: '2024-05-01T10:00:00.000Z', detail: '550' });
        expect(await s.suppressions.get(email)).toEqual({ email, reason: 'hard_bounce', since: '2024-05-01T10:00:00.000Z', detail: '550' });

        await s.suppressions.upsert({ email, reason: 'complaint', since: '2024-05-02T10:00:00.000Z', detail: 'abuse' });
        expect((await s.suppressions.get(email))?.reason).toBe('complaint');
        expect(await s.suppressions.remove(email)).toMatchObject({ email, reason: 'complaint' });
        expect(await s.suppressions.remove(email)).toBeNull();
        expect(await s.suppressions.get(email)).toBeNull();
      });

      test('when events are appended, then the same event counts once and latest is the newest by time, not by arrival', async () => {
        const email = address();
        const event = { email, type: 'bounce' as const, messageKind: 'welcome', at: '2024-05-01T10:00:00.000Z', detail: '550' };
        expect(await s.emailEvents.append(event)).toBe(true);
        expect(await s.emailEvents.append(event)).toBe(false);
        expect(await s.emailEvents.append({ ...event, type: 'delivery', at: '2024-05-02T10:00:00.000Z' })).toBe(true);
        expect(await s.emailEvents.append({ ...event, type: 'deferral', at: '2024-04-30T10:00:00.000Z' })).toBe(true);
        expect(await s.emailEvents.latest(email.toUpperCase())).toMatchObject({ type: 'delivery' });
        expect(await s.emailEvents.latest(address())).toBeNull();
      });

      test('when a last email is recorded, then every user with the address gets it unless theirs is newer, with a change each', async () => {
        const a = await tenant();
        const b = await tenant();
        const email = address();
        const first = await s.users.upsert(f.user(a.orgId, { email }));
        const second = await s.users.upsert(f.user(b.orgId, { email, lastEmail: { kind: 'welcome', status: 'delivered', at: '2024-05-03T10:00:00.000Z', detail: '' } }));
        const before = await s.changes.latestSeq();

        const bounced = { kind: 'welcome', status: 'bounced' as const, at: '2024-05-02T10:00:00.000Z', detail: '550' };
        expect(await s.users.recordLastEmail(email.toUpperCase(), bounced)).toBe(1);

        expect((await s.users.get(a.partnerId, first.id))?.lastEmail).toEqual(bounced);
        expect((await s.users.get(b.partnerId, second.id))?.lastEmail?.status).toBe('delivered');
        expect((await changesFor(before, [first.id, second.id])).map((c) => c.id)).toEqual([first.id]);
      });

      test('when a key is claimed, then a second claim fails until it expires, and a released key can be claimed again', async () => {
        const key = `replay-${uid()}`;
        const now = new Date('2024-05-01T10:00:00.000Z');
        const until = new Date(now.getTime() + 10 * MINUTE);
        expect(await s.replays.claim(key, until, now)).toBe(true);
        expect(await s.replays.claim(key, until, new Date(now.getTime() + 9 * MINUTE))).toBe(false);
        expect(await s.replays.claim(key, new Date(until.getTime() + 10 * MINUTE), until)).toBe(true);
        await s.replays.release(key);
        expect(await s.replays.claim(key, new Date(until.getTime() + 10 * MINUTE), until)).toBe(true);
      });
    });

    describe('data lifecycle: deletion, transfer, erasure', () => {
      const customerSession = (orgId: string, userId: string) => ({
        sid: `sid-${uid()}`, agentId: null,
        data: JSON.stringify({ cookie: {}, customerAdmin: { userId, orgId, partnerId: 'p', email: 'a@example.com' } }),
        expiresAt: new Date(Date.now() + HOUR).toISOString(),
      });

      test('when an org is deleted, then it, its users and devices are gone with a change each, its grant revoked, its request closed and its customer sessions ended', async () => {
        const { partnerId, orgId } = await tenant();
        const admin = await s.users.upsert(f.user(orgId, { roles: ['full_admin'] }));
        const device = await s.devices.upsert(f.device(orgId, { ownerUserId: admin.id }));
        const grant = grantOf(partnerId, orgId);
        await s.consentGrants.create(grant, new Date());
        const request = requestOf(partnerId, orgId);
        await s.accessRequests.create(request);
        const session = customerSession(orgId, admin.id);
        await s.sessions.set(session);
        const verification = verificationOf(partnerId, orgId, admin.id);
        await s.verifications.create(verification);
        const before = await s.changes.latestSeq();

        const deleted = await s.lifecycle.deleteOrg(orgId, { at: new Date() });

        expect(deleted).toMatchObject({ org: { id: orgId }, users: 1, devices: 1, grantsRevoked: 1, requestsClosed: 1, sessionsEnded: 1 });
        expect(await s.orgs.get(partnerId, orgId)).toBeNull();
        expect(await s.users.get(partnerId, admin.id)).toBeNull();
        expect(await s.devices.get(partnerId, device.id)).toBeNull();
        expect(await s.orgs.getByIds([orgId])).toEqual([]);
        expect(await s.verifications.get(partnerId, verification.id)).toBeNull();
        expect(await s.sessions.get(session.sid, new Date())).toBeNull();
        const kept = await s.consentGrants.get(partnerId, orgId, grant.id);
        expect(kept?.revokedAt).not.toBeNull();
        expect(await s.consentGrants.active(partnerId, orgId, new Date())).toBeNull();
        expect((await s.accessRequests.get(partnerId, orgId, request.id))?.status).not.toBe('pending');
        const changes = await changesFor(before, [orgId, admin.id, device.id]);
        expect(changes.map((c) => `${c.entity}:${c.id}`).sort()).toEqual([`device:${device.id}`, `org:${orgId}`, `user:${admin.id}`].sort());
      });

      test('when what does not exist, or belongs to another partner, is deleted, then nothing changes and null is answered', async () => {
        const a = await tenant();
        const b = await tenant();
        const user = await s.users.upsert(f.user(a.orgId));
        const device = await s.devices.upsert(f.device(a.orgId));
        const before = await s.changes.latestSeq();
        const asB = { partnerId: b.partnerId, at: new Date() };

        expect(await s.lifecycle.deleteOrg(uid(), { at: new Date() })).toBeNull();
        expect(await s.lifecycle.deleteOrg(a.orgId, asB)).toBeNull();
        expect(await s.lifecycle.deleteUser(user.id, asB)).toBeNull();
        expect(await s.lifecycle.deleteDevice(device.id, asB)).toBeNull();
        expect(await s.users.get(a.partnerId, user.id)).toEqual(user);
        expect(await s.devices.get(a.partnerId, device.id)).toEqual(device);
        expect(await changesFor(before, [a.orgId, user.id, device.id])).toEqual([]);
      });

      test('when a user is deleted, then they are gone, devices they owned keep no owner, and deleting again answers null', async () => {
        const { partnerId, orgId } = await tenant();
        const user = await s.users.upsert(f.user(orgId));
        const device = await s.devices.upsert(f.device(orgId, { ownerUserId: user.id }));
        const before = await s.changes.latestSeq();

        expect(await s.lifecycle.deleteUser(user.id, { partnerId, at: new Date() })).toEqual(user);
        expect(await s.users.get(partnerId, user.id)).toBeNull();
        expect((await s.devices.get(partnerId, device.id))?.ownerUserId).toBeNull();
        expect((await changesFor(before, [user.id, device.id])).map((c) => c.entity).sort()).toEqual(['device', 'user']);
        expect(await s.lifecycle.deleteUser(user.id, { partnerId, at: new Date() })).toBeNull();
      });

      test('when a device is deleted, then it is gone with a change', async () => {
        const { partnerId, orgId } = await tenant();
        const device = await s.devices.upsert(f.device(orgId));
        const before = await s.changes.latestSeq();
        expect(await s.lifecycle.deleteDevice(device.id, { at: new Date() })).toEqual(device);
        expect(await s.devices.get(partnerId, device.id)).toBeNull();
        expect((await changesFor(before, [device.id])).map((c) => c.entity)).toEqual(['device']);
      });

      test('when an org is transferred, then it moves with its users and devices, the old partner reads nothing of it, and its grant ends', async () => {
        const a = await tenant();
        const b = await tenant();
        const user = await s.users.upsert(f.user(a.orgId, { roles: ['full_admin'] }));
        const device = await s.devices.upsert(f.device(a.orgId, { ownerUserId: user.id }));
        await s.consentGrants.create(grantOf(a.partnerId, a.orgId), new Date());
        await s.accessRequests.create(requestOf(a.partnerId, a.orgId));
        const before = await s.changes.latestSeq();

        const moved = await s.lifecycle.transferOrg(a.orgId, b.partnerId, new Date());

        expect(moved).toMatchObject({ org: { id: a.orgId, partnerId: b.partnerId }, fromPartnerId: a.partnerId, users: 1, devices: 1, grantsRevoked: 1, requestsClosed: 1 });
        expect(await s.orgs.get(a.partnerId, a.orgId)).toBeNull();
        expect(await s.users.get(a.partnerId, user.id)).toBeNull();
        expect(await s.devices.get(a.partnerId, device.id)).toBeNull();
        expect(await s.orgs.get(b.partnerId, a.orgId)).toEqual({ ...a.org, partnerId: b.partnerId });
        expect(await s.users.get(b.partnerId, user.id)).toEqual({ ...user, partnerId: b.partnerId });
        expect(await s.devices.get(b.partnerId, device.id)).toEqual({ ...device, partnerId: b.partnerId });
        expect(await s.consentGrants.active(a.partnerId, a.orgId, new Date())).toBeNull();
        expect(await s.accessRequests.listByOrg(a.partnerId, a.orgId, { limit: 10, offset: 0, status: 'pending' })).toEqual([]);
        expect((await changesFor(before, [a.orgId, user.id, device.id])).map((c) => c.entity).sort()).toEqual(['device', 'org', 'user']);
        // An upsert naming the old partner is still refused.
        expect((await appErrorOf(s.orgs.upsert(a.org))).code).toBe('conflict');
      });

      test('when an org is transferred to an unknown partner or its own, then it is refused and nothing moves', async () => {
        const a = await tenant();
        expect((await appErrorOf(s.lifecycle.transferOrg(a.orgId, `p-${uid()}`, new Date()))).code).toBe('invalid');
        expect((await appErrorOf(s.lifecycle.transferOrg(a.orgId, a.partnerId, new Date()))).code).toBe('conflict');
        expect(await s.lifecycle.transferOrg(uid(), a.partnerId, new Date())).toBeNull();
        expect(await s.orgs.get(a.partnerId, a.orgId)).toEqual(a.org);
      });

      test('when the ids of a partner are listed, then each of its records comes once and no other partner\'s', async () => {
        const a = await tenant();
        const b = await tenant();
        const users = [];
        for (let i = 0; i < 5; i++) users.push((await s.users.upsert(f.user(a.orgId))).id);
        await s.users.upsert(f.user(b.orgId));

        expect((await batchesOf(s.lifecycle.ids('user', a.partnerId, 2))).flat().sort()).toEqual(users.sort());
        expect((await batchesOf(s.lifecycle.ids('org', a.partnerId, 2))).flat()).toEqual([a.orgId]);
        expect((await batchesOf(s.lifecycle.ids('device', a.partnerId, 2))).flat()).toEqual([]);
      });

      test('when an address is erased, then its users in every partner, their codes, suppression and events are gone; again, nothing', async () => {
        const a = await tenant();
        const b = await tenant();
        const email = `erase-${uid()}@example.com`;
        const one = await s.users.upsert(f.user(a.orgId, { email }));
        const two = await s.users.upsert(f.user(b.orgId, { email }));
        const other = await s.users.upsert(f.user(a.orgId));
        await s.verifications.create(verificationOf(a.partnerId, a.orgId, one.id, { sentTo: email }));
        await s.suppressions.upsert({ email, reason: 'hard_bounce', since: '2024-05-01T10:00:00.000Z', detail: '550' });
        await s.emailEvents.append({ email, type: 'bounce', messageKind: 'welcome', at: '2024-05-01T10:00:00.000Z', detail: '550' });

        const erased = await s.lifecycle.eraseEmail(email.toUpperCase());

        expect(erased.users.map((u) => u.id).sort()).toEqual([one.id, two.id].sort());
        expect(erased).toMatchObject({ verifications: 1, suppression: true, emailEvents: 1 });
        expect(await s.users.get(a.partnerId, one.id)).toBeNull();
        expect(await s.users.get(b.partnerId, two.id)).toBeNull();
        expect(await s.users.get(a.partnerId, other.id)).toEqual(other);
        expect(await s.suppressions.get(email)).toBeNull();
        expect(await s.emailEvents.latest(email)).toBeNull();
        expect(await s.lifecycle.eraseEmail(email)).toEqual({ users: [], verifications: 0, suppression: false, emailEvents: 0, magicLinks: 0 });
      });

      test('when audit events about a user are rewritten, then those naming them change and the others stay', async () => {
        const { partnerId } = await tenant();
        const userId = uid();
        const email = `audit-${uid()}@example.com`;
        const about = eventOf(partnerId, { subject: `user:${userId}`, action: 'user.view', detail: { name: 'Jane Roe' } });
        const naming = eventOf(partnerId, { action: 'agent.invite', detail: { email } });
        const other = eventOf(partnerId, { action: 'org.view', detail: { name: 'Jane Roe' } });
        for (const e of [about, naming, other]) await s.audit.append(e);
        const scrub = (e: AuditEvent): AuditEvent => ({ ...e, detail: { ...e.detail, ...(e.detail.name ? { name: 'person:x' } : {}), ...(e.detail.email ? { email: 'person:x' } : {}) } });

        expect(await s.lifecycle.rewriteAudit({ userIds: [userId], email: email.toUpperCase() }, scrub)).toBe(2);

        const { events } = await s.audit.query({ partnerId, limit: 10, offset: 0 });
        const byId = new Map(events.map((e) => [e.id, e]));
        expect(byId.get(about.id)?.detail).toEqual({ name: 'person:x' });
        expect(byId.get(naming.id)?.detail).toEqual({ email: 'person:x' });
        expect(byId.get(other.id)?.detail).toEqual({ name: 'Jane Roe' });
      });
    });
  });
}
