// Reliability, search engine down (docs/operations.md, "When a backend is down"): the index behind the port stops answering in the middle of
// the work and comes back. Exact identifiers still answer from the store, the page says search is
// degraded, /readyz names the engine, and the outbox written meanwhile drains into the index by
// itself once the engine is back, leaving it equal to the store.
// The Meilisearch adapter's own outage (a closed loopback port, a host that never replies) is
// caused in test/features/meilisearch-unreachable.test.ts and test/faults/meilisearch-down.test.ts.
import request from 'supertest';
import en from '../../src/i18n/locales/en.json';
import { createLogger } from '../../src/logger';
import { Indexer } from '../../src/search-index/indexer';
import type { SearchIndex } from '../../src/search-index/search-index';
import type { Org, User } from '../../src/store/store';
import * as f from '../helpers/factories';
import { failingSearchIndex, indexMismatches, type Switch } from '../helpers/faults';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

const AGENT = 'agent@north.example';

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('when the search engine stops answering', () => {
  const engine: Switch = { down: false };
  let index: SearchIndex;
  let t: TestApp;
  let token: string;
  let org: Org;
  let user: User;

  beforeEach(async () => {
    engine.down = false;
    t = await buildTestApp({ wrapSearch: (search) => (index = failingSearchIndex(search, engine)) });
    const partner = f.partner({ id: 'p-north' });
    await t.store.partners.upsert(partner);
    org = f.org(partner.id, { name: 'Zanzibar Logistics' });
    await t.store.orgs.upsert(org);
    user = await t.store.users.upsert(f.user(org.id, { firstName: 'Quentin', lastName: 'Zola', email: 'quentin.zola@zanzibar.example' }));
    await t.store.devices.upsert(f.device(org.id, { ownerUserId: user.id }));
    await t.addAgent(partner.id, AGENT);
    token = await t.apiToken(AGENT);
    await t.indexer.rebuild();
    engine.down = true;
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (q: string) => request(t.app).get('/api/v1/search').query({ q }).set('Authorization', `Bearer ${token}`);

  test('then a UUID or an email still finds the record from the store, and the answer says it is degraded', async () => {
    const byId = await api(user.id).expect(200);
    expect(byId.body).toMatchObject({ degraded: true, hits: [{ kind: 'user', id: user.id, title: 'Quentin Zola', exact: true }] });
    const byEmail = await api('Quentin.Zola@zanzibar.example').expect(200);
    expect(byEmail.body.hits.map((h: { id: string }) => h.id)).toEqual([user.id]);
    const byOrgId = await api(org.id).expect(200);
    expect(byOrgId.body.hits.map((h: { id: string }) => h.id)).toEqual([org.id]);
    // Words need the engine: no answer rather than a wrong one, and still no error.
    const byName = await api('zola').expect(200);
    expect(byName.body).toEqual({ hits: [], processingTimeMs: expect.any(Number), degraded: true, more: false });
  });

  test('then the search page shows the hit and the "search degraded" banner', async () => {
    const agent = await signIn(t.app, AGENT);
    const page = await agent.get('/').query({ q: user.email }).expect(200);
    expect(page.text).toMatch(/<p class="alert degraded" role="status" data-degraded >/);
    expect(page.text).toContain(en['search.degraded'].split(' (')[0]);
    expect(page.text).toContain(user.id);

    engine.down = false;
    const healthy = await agent.get('/').query({ q: user.email }).expect(200);
    expect(healthy.text).toMatch(/data-degraded hidden>/);
  });

  test('then /readyz answers 503 naming the search engine as down and the store as up', async () => {
    const res = await request(t.app).get('/readyz').expect(503);
    expect(res.body.components).toEqual([
      { name: 'store (embedded)', status: 'up' },
      { name: 'search (embedded)', status: 'down', error: 'Search engine is unreachable during health check.' },
    ]);
    engine.down = false;
    await request(t.app).get('/readyz').expect(200);
  });

  test('when changes are made during the outage, then once the engine is back the outbox drains and the index equals the store', async () => {
    const logger = createLogger('silent');
    // The app's follower, polling fast so the backoff after failures stays short in a test.
    const indexer = new Indexer(t.store, index, logger, { intervalMs: 100 });
    engine.down = false;
    await indexer.rebuild();
    engine.down = true;
    const before = indexer.position;
    indexer.start();
    try {
      const renamed = await t.store.users.upsert({ ...user, lastName: 'Zoller', displayName: 'Quentin Zoller' });
      await t.store.orgs.upsert({ ...org, name: 'Zanzibar Freight' });
      const newcomer = await t.store.users.upsert(f.user(org.id, { firstName: 'Ada', lastName: 'Lovelace' }));
      // Several polls fail meanwhile; the cursor stays where the index is.
      await new Promise((r) => setTimeout(r, 1500));
      expect(indexer.position).toBe(before);
      expect(await api(newcomer.id).expect(200)).toHaveProperty('body.degraded', true);

      engine.down = false;
      // Backoff after ~4 failed polls at 100 ms doubling stays under 2 s; the rest is slack for a busy machine.
      await until('the indexer caught up', async () => indexer.position > before && (await t.store.changes.latestSeq()) === indexer.position, 30_000);
      expect(await indexMismatches(t.store, index)).toEqual([]);

      const byName = await api('zoller').expect(200);
      expect(byName.body).toMatchObject({ degraded: false, hits: [{ id: renamed.id, subtitle: expect.stringContaining('Zanzibar Freight') }] });
    } finally {
      await indexer.stop();
    }
  });
});
