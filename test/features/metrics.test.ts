// GET /metrics as an operator's Prometheus reads it: each number moves when the app does the thing
// it counts, and no label ever holds an id, an address or what an agent searched for.
import express from 'express';
import request from 'supertest';
import { errorHandler } from '../../src/http/error-handler';
import { limiter } from '../../src/http/security';
import { importNdjson } from '../../src/import/importer';
import { watchIndex } from '../../src/metrics/metrics';
import { metricsRoutes } from '../../src/metrics/metrics.routes';
import * as f from '../helpers/factories';
import { buildTestApp, type TestApp } from '../helpers/test-app';

const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const AGENT = 'agent@north.example';
const EMAIL = 'helene.dupre@dupre.example';
const OTHER_EMAIL = 'marc.dupont@dupre.example';
const METRICS_TOKEN = 'scrape-job-token-0123456789abcdefghijklmnop';

/** The value of one series in the Prometheus text, 0 when it is not there yet. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [series, v] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
    if (Object.entries(labels).every(([k, want]) => series.includes(`${k}="${want}"`))) return Number(v);
  }
  return 0;
}

describe('GET /metrics', () => {
  let t: TestApp;
  let token: string;
  let orgId: string;
  let userId: string;
  let otherId: string;
  const scrape = async () => (await request(t.app).get('/metrics').expect(200).expect('Content-Type', /text\/plain/)).text;
  const api = (method: 'get' | 'post', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert(PARTNER);
    const org = f.org(PARTNER.id, { name: 'Boulangerie Dupré' });
    orgId = org.id;
    await t.store.orgs.upsert(org);
    const user = f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: EMAIL });
    const other = f.user(org.id, { firstName: 'Marc', lastName: 'Dupont', email: OTHER_EMAIL });
    userId = user.id;
    otherId = other.id;
    await t.store.users.upsert(user);
    await t.store.users.upsert(other);
    await t.addAgent(PARTNER.id, AGENT);
    token = await t.apiToken(AGENT);
    await t.sync();
  });
  afterAll(() => t.close());

  test('when an agent searches, then the search histogram counts it by engine and query type, and the request by its route', async () => {
    const before = await scrape();
    await api('get', `/search?q=${encodeURIComponent(EMAIL)}`).expect(200);
    await api('get', `/users/${userId}`).expect(200);
    await api('get', '/users/no-such-user').expect(404);
    const after = await scrape();
    const search = { engine: 'embedded', query_type: 'email', scope: 'all' };
    expect(value(after, 'helpdesk_search_duration_seconds_count', search) - value(before, 'helpdesk_search_duration_seconds_count', search)).toBe(1);
    const route = { method: 'GET', route: '/api/v1/users/:id', status: '200' };
    expect(value(after, 'helpdesk_http_request_duration_seconds_count', route) - value(before, 'helpdesk_http_request_duration_seconds_count', route)).toBe(1);
    // A route that fails is counted under its full pattern too, with the status it answered.
    const failed = { ...route, status: '404' };
    expect(value(after, 'helpdesk_http_request_duration_seconds_count', failed) - value(before, 'helpdesk_http_request_duration_seconds_count', failed)).toBe(1);
    expect(after).not.toContain('no-such-user');
    // Labels hold patterns, never what the request named or searched for.
    for (const secret of [userId, orgId, EMAIL, 'dupre', 'Dupré']) expect(after).not.toContain(secret);
  });

  test('when a welcome email goes out, and another is refused for a suppressed address, then sent and refused are counted', async () => {
    await t.store.suppressions.upsert({ email: OTHER_EMAIL, reason: 'hard_bounce', since: '2026-01-10T08:00:00.000Z', detail: '550 5.1.1' });
    const before = await scrape();
    await api('post', `/users/${userId}/welcome-email`).expect(202);
    await api('post', `/users/${otherId}/welcome-email`).expect(409);
    const after = await scrape();
    const sent = { kind: 'welcome', outcome: 'sent' };
    expect(value(after, 'helpdesk_mail_messages_total', sent) - value(before, 'helpdesk_mail_messages_total', sent)).toBe(1);
    const refused = { reason: 'hard_bounce' };
    expect(value(after, 'helpdesk_mail_refused_suppressed_total', refused) - value(before, 'helpdesk_mail_refused_suppressed_total', refused)).toBe(1);
    expect(after).not.toContain(OTHER_EMAIL);
  });

  test('when an agent checks a wrong code, then the verification outcome "invalid" is counted', async () => {
    const sent = await api('post', `/users/${userId}/verifications`).expect(202);
    const before = await scrape();
    const res = await api('post', `/verifications/${sent.body.id}/check`).send({ code: '0000 0000' }).expect(200);
    const after = await scrape();
    const outcome = { outcome: res.body.status };
    expect(res.body.status).toBe('invalid');
    expect(value(after, 'helpdesk_verification_checks_total', outcome) - value(before, 'helpdesk_verification_checks_total', outcome)).toBe(1);
  });

  test('when the store changes and the indexer has not caught up, then the outbox lag shows it, in changes and seconds, until it does', async () => {
    watchIndex({ store: t.store, search: t.search, clock: t.clock, position: () => t.indexer.position });
    await t.sync();
    expect(value(await scrape(), 'helpdesk_search_outbox_lag_changes')).toBe(0);
    await t.store.users.upsert(f.user(orgId, { firstName: 'Ana', lastName: 'Lag', email: 'ana.lag@dupre.example' }));
    // The store stamps each change with the wall clock: the app's clock reads 90 s after it.
    t.clock.set(new Date(Date.now() + 90_000));
    const behind = await scrape();
    expect(value(behind, 'helpdesk_search_outbox_lag_changes')).toBeGreaterThanOrEqual(1);
    expect(value(behind, 'helpdesk_search_outbox_lag_seconds')).toBeGreaterThanOrEqual(90);
    await t.sync();
    const caughtUp = await scrape();
    expect(value(caughtUp, 'helpdesk_search_outbox_lag_changes')).toBe(0);
    expect(value(caughtUp, 'helpdesk_search_outbox_lag_seconds')).toBe(0);
    expect(value(caughtUp, 'helpdesk_search_index_documents')).toBe(await t.search.count());
  });

  test('when an import has good and bad lines, then the records are counted by outcome', async () => {
    const before = await scrape();
    async function* lines() {
      yield JSON.stringify({ kind: 'partner', id: 'p-import', name: 'Imported Partner' });
      yield '{ not json';
    }
    await importNdjson(t.store, lines());
    const after = await scrape();
    const delta = (outcome: string) => value(after, 'helpdesk_import_records_total', { outcome }) - value(before, 'helpdesk_import_records_total', { outcome });
    expect({ imported: delta('imported'), failed: delta('failed') }).toEqual({ imported: 1, failed: 1 });
  });

  test('when a rate limiter refuses a request, then the refusal is counted under the limiter\'s name', async () => {
    const small = express();
    small.get('/x', limiter(t.store, t.clock, { name: 'metrics-test', windowMs: 60_000, limit: 1, key: () => 'one' }), (_req, res) => { res.send('ok'); });
    small.use(errorHandler);
    const before = await scrape();
    await request(small).get('/x').expect(200);
    await request(small).get('/x').expect(429);
    const after = await scrape();
    const refused = { limiter: 'metrics-test' };
    expect(value(after, 'helpdesk_rate_limit_refusals_total', refused) - value(before, 'helpdesk_rate_limit_refusals_total', refused)).toBe(1);
  });

  test('when the process runs, then the Node process metrics are there too', async () => {
    const text = await scrape();
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  describe('in production', () => {
    const production = (metricsToken?: string) => {
      const app = express();
      app.use(metricsRoutes({ ...t.config, production: true, metricsToken }));
      app.use(errorHandler);
      return app;
    };

    test('when METRICS_TOKEN is not set, then /metrics answers 404', async () => {
      await request(production()).get('/metrics').set('Accept', 'text/plain').expect(404);
    });

    test('when it is set, then only its Bearer token opens /metrics', async () => {
      const app = production(METRICS_TOKEN);
      await request(app).get('/metrics').set('Accept', 'text/plain').expect(401);
      await request(app).get('/metrics').set('Accept', 'text/plain').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
      await request(app).get('/metrics').set('Accept', 'text/plain').set('Authorization', `Basic ${METRICS_TOKEN}`).expect(401);
      const res = await request(app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      expect(res.text).toContain('helpdesk_http_request_duration_seconds');
    });
  });
});
