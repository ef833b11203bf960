// Forwarded headers (X-Forwarded-For, -Proto) are believed only from the proxies in TRUST_PROXY:
// a client that reaches the app port directly cannot choose the address the audit log records or
// the address the per-address rate limits count.
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config';
import { buildTestApp, csrfFrom, tempDir, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

const SPOOFED = '203.0.113.7';
let t: TestApp;
afterEach(() => t?.close());

async function world(env: Record<string, string>) {
  t = await buildTestApp({ env });
  await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
  const org = f.org('p-a');
  await t.store.orgs.upsert(org);
  const user = await t.store.users.upsert(f.user(org.id, { email: 'caller@acme.example' }));
  await t.addAgent('p-a', 'agent@alpha.example');
  return { userId: user.id, token: await t.apiToken('agent@alpha.example') };
}

/** The client address the audit log recorded for an API read sent with X-Forwarded-For. */
async function auditedAddress(env: Record<string, string>): Promise<string | null> {
  const { userId, token } = await world(env);
  await request(t.app).get(`/api/v1/users/${userId}`).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', SPOOFED).expect(200);
  const { events } = await t.store.audit.query({ partnerId: 'p-a', action: 'user.view', limit: 1, offset: 0 });
  return events[0].clientIp;
}

test('when a client outside TRUST_PROXY sends X-Forwarded-For to an https deployment, then the audit log keeps its real address', async () => {
  const address = await auditedAddress({ PUBLIC_URL: 'https://helpdesk.example', TRUST_PROXY: '10.0.0.0/8, 192.0.2.10' });
  expect(address).not.toBe(SPOOFED);
  expect(address).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
});

test('when the proxy in front is on the same host (the default trusts loopback and private ranges), then its X-Forwarded-For is believed', async () => {
  expect(await auditedAddress({ PUBLIC_URL: 'https://helpdesk.example' })).toBe(SPOOFED);
});

test('when a client outside TRUST_PROXY varies X-Forwarded-For on every sign-in, then it is still limited to 50 per address', async () => {
  await world({ TRUST_PROXY: '10.0.0.0/8' });
  const page = await request(t.app).get('/login');
  const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const signIn = (i: number) => request(t.app).post('/login').set('Cookie', cookie).set('X-Forwarded-For', `198.51.100.${i}`)
    .type('form').send({ email: `nobody${i}@alpha.example`, password: 'wrong password', _csrf: csrfFrom(page.text) });
  for (let i = 0; i < 50; i++) expect((await signIn(i)).status).toBe(401);
  const limited = await signIn(50);
  expect(limited.status).toBe(429);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
});

describe('TRUST_PROXY', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: tempDir(), LOG_LEVEL: 'silent' };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  test('when it is not set, then an https deployment trusts loopback and private ranges and a plain http one trusts no proxy', () => {
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://helpdesk.example' }).trustProxy).toEqual(['loopback', 'linklocal', 'uniquelocal']);
    expect(loadConfig(base).trustProxy).toBe(false);
  });

  test('when it lists addresses, ranges and presets, then exactly those are trusted', () => {
    expect(loadConfig({ ...base, TRUST_PROXY: ' 10.1.2.3, 172.16.0.0/12,fd00::/8 , loopback, 10.0.0.0/255.0.0.0' }).trustProxy)
      .toEqual(['10.1.2.3', '172.16.0.0/12', 'fd00::/8', 'loopback', '10.0.0.0/255.0.0.0']);
  });

  test('when an entry is not an address, range or preset, then start-up stops naming TRUST_PROXY and the entry', () => {
    expect(problems({ TRUST_PROXY: '10.0.0.0/8, proxy.internal, 10.0.0.0/33, 1' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: not an address, range or preset: proxy.internal, 10.0.0.0\/33, 1 /),
    ]);
  });

  test('when it is none, then no proxy is trusted, which an https deployment refuses (its cookies need the proxy)', () => {
    expect(loadConfig({ ...base, TRUST_PROXY: 'none' }).trustProxy).toBe(false);
    expect(problems({ TRUST_PROXY: 'none', PUBLIC_URL: 'https://helpdesk.example' })).toEqual([expect.stringMatching(/^TRUST_PROXY: none/)]);
  });
});
