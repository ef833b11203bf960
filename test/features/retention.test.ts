// Retention done by the app: verification codes older than 30 days, spent sign-in and invitation
// links and audit entries older than AUDIT_RETENTION_DAYS are deleted by a job every process runs.
import crypto from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config';
import { createRetention, RETENTION_INTERVAL_MS, startRetention } from '../../src/features/retention/retention';
import { buildTestApp, signIn, tempDir, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

const DAY = 24 * 60 * 60 * 1000;

describe('retention', () => {
  let t: TestApp;
  let orgId: string;
  let userId: string;
  beforeEach(async () => {
    t = await buildTestApp({ env: { AUDIT_RETENTION_DAYS: '90' } });
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    const org = f.org('p-north');
    await t.store.orgs.upsert(org);
    orgId = org.id;
    userId = (await t.store.users.upsert(f.user(org.id, { roles: ['full_admin'] }))).id;
    await t.addAgent('p-north', 'agent@north.example');
  });
  afterEach(() => { jest.useRealTimers(); return t.close(); });

  const auditIds = async () => (await t.store.audit.query({ partnerId: 'p-north', limit: 1000, offset: 0 })).events.map((e) => e.id);

  test('when the clock passes 30 days and then AUDIT_RETENTION_DAYS, then the codes and then the audit entries of that call are gone, and newer ones stay', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const sent = await agent.post(`/api/v1/users/${userId}/verifications`).set('X-CSRF-Token', await csrf(agent)).expect(202);
    const firstCall = await auditIds();
    expect(firstCall.length).toBeGreaterThan(0);
    const run = createRetention({ store: t.store, clock: t.clock, auditRetentionDays: t.config.auditRetentionDays });

    t.clock.advance(31 * DAY);
    const again = await signIn(t.app, 'agent@north.example');
    const later = await again.post(`/api/v1/users/${userId}/verifications`).set('X-CSRF-Token', await csrf(again)).expect(202);
    const counts = await run();

    expect(counts.verifications).toBe(1);
    expect(await t.store.verifications.get('p-north', sent.body.id)).toBeNull();
    expect(await t.store.verifications.get('p-north', later.body.id)).not.toBeNull();
    expect(await auditIds()).toEqual(expect.arrayContaining(firstCall));

    t.clock.advance(60 * DAY);
    await run();
    const left = await auditIds();
    for (const id of firstCall) expect(left).not.toContain(id);
    expect(left.length).toBeGreaterThan(0);
  });

  test('when a sign-in link was used and an invitation expired, then the job deletes both', async () => {
    const now = t.clock.now();
    const hash = () => crypto.createHash('sha256').update(crypto.randomUUID()).digest('hex');
    const used = { tokenHash: hash(), email: 'a@example.com', partnerId: 'p-north', orgId, userId, createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 600_000).toISOString(), consumedAt: null };
    await t.store.magicLinks.create(used);
    await t.store.magicLinks.consume(used.tokenHash, now);
    const agent = (await t.store.agents.getByEmail('agent@north.example'))!;
    const expired = { tokenHash: hash(), agentId: agent.id, partnerId: 'p-north', createdAt: new Date(now.getTime() - 2 * DAY).toISOString(),
      expiresAt: new Date(now.getTime() - DAY).toISOString(), usedAt: null };
    await t.store.passwordSetups.create(expired);

    const counts = await createRetention({ store: t.store, clock: t.clock, auditRetentionDays: 400 })();

    expect(counts).toMatchObject({ signInLinks: 1, invitations: 1 });
  });

  test('when the job is started, then it runs on its own every hour and no more once stopped', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const purge = jest.spyOn(t.store.retention, 'purge');
    const job = startRetention({ store: t.store, clock: t.clock, auditRetentionDays: 400 });

    // Each run is scheduled once the one before finished: the async variant lets them finish.
    await jest.advanceTimersByTimeAsync(60_000);
    await jest.advanceTimersByTimeAsync(2 * RETENTION_INTERVAL_MS);
    expect(purge).toHaveBeenCalledTimes(3);
    await job.stop();
    await jest.advanceTimersByTimeAsync(5 * RETENTION_INTERVAL_MS);
    expect(purge).toHaveBeenCalledTimes(3);
  });

  test('when AUDIT_RETENTION_DAYS is not a whole number of 30 to 3650 days, then start-up stops naming it; unset, it is 400', () => {
    const env = { DATA_DIR: tempDir(), NODE_ENV: 'test' };
    expect(loadConfig(env).auditRetentionDays).toBe(400);
    for (const bad of ['7', 'forever', '1.5']) {
      expect(() => loadConfig({ ...env, AUDIT_RETENTION_DAYS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...env, AUDIT_RETENTION_DAYS: bad })).toThrow(/AUDIT_RETENTION_DAYS/);
    }
  });
});

async function csrf(agent: Awaited<ReturnType<typeof signIn>>): Promise<string> {
  const page = await agent.get('/').expect(200);
  return /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
}
