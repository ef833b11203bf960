// Reliability with the Meilisearch adapter (docs/operations.md, "When a backend is down"): the engine answers at start, then its host goes away
// (nothing listens on its loopback port any more). The app keeps answering exact identifiers from
// the store and /readyz names Meilisearch. A host that is down or silent from the start is caused
// in test/features/meilisearch-unreachable.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { MeilisearchSearchIndex } from '../../src/search-index/meilisearch/meilisearch-search-index';
import * as f from '../helpers/factories';
import { PROXY_502, startMeiliStandIn } from '../helpers/meili-stand-in';
import { buildTestApp, type TestApp } from '../helpers/test-app';

/**
 * Just enough of Meilisearch's HTTP API for MeilisearchSearchIndex.connect to succeed (health, the
 * index, its settings task): the adapter is then the real one, and what fails is the real network.
 */
async function handshakeOnlyMeilisearch(): Promise<http.Server> {
  const now = new Date().toISOString();
  const task = { taskUid: 1, uid: 1, indexUid: 'helpdesk', status: 'succeeded', type: 'settingsUpdate', enqueuedAt: now, startedAt: now, finishedAt: now, duration: 'PT0S', error: null };
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    req.resume();
    req.on('end', () => {
      if (url === '/health') return json(200, { status: 'available' });
      if (url === '/version') return json(200, { commitSha: '0', commitDate: now, pkgVersion: '1.36.0' });
      if (url === '/indexes/helpdesk' && req.method === 'GET') return json(200, { uid: 'helpdesk', primaryKey: 'id', createdAt: now, updatedAt: now });
      if (url === '/indexes/helpdesk/settings') return json(202, { ...task, status: 'enqueued' });
      if (url.startsWith('/tasks/1')) return json(200, task);
      return json(404, { message: `not in this stand-in: ${req.method} ${url}`, code: 'not_found', type: 'invalid_request', link: '' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('when Meilisearch stops answering after the app started', () => {
  let t: TestApp;
  let meili: http.Server;

  afterEach(async () => {
    await t?.close();
    if (meili?.listening) await new Promise((resolve) => meili.close(resolve));
  });

  test('then exact identifiers answer from the store, degraded, and /readyz names Meilisearch as down', async () => {
    meili = await handshakeOnlyMeilisearch();
    const host = `http://127.0.0.1:${(meili.address() as AddressInfo).port}`;
    const index = await MeilisearchSearchIndex.connect({ host, apiKey: 'test-master-key-0123456789abcdef', timeoutMs: 500 });
    t = await buildTestApp({ wrapSearch: () => index });
    await t.store.partners.upsert(f.partner({ id: 'p-north' }));
    const org = f.org('p-north');
    await t.store.orgs.upsert(org);
    const user = await t.store.users.upsert(f.user(org.id, { firstName: 'Quentin', lastName: 'Zola' }));
    await t.addAgent('p-north', 'agent@north.example');
    const token = await t.apiToken('agent@north.example');

    meili.closeAllConnections();
    await new Promise((resolve) => meili.close(resolve));

    const started = Date.now();
    const res = await request(t.app).get('/api/v1/search').query({ q: user.email }).set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toMatchObject({ degraded: true, hits: [{ id: user.id, exact: true }] });
    // A refused connection fails at once; the client timeout bounds a silent host.
    expect(Date.now() - started).toBeLessThan(10_000);

    const ready = await request(t.app).get('/readyz').expect(503);
    expect(ready.body.components).toContainEqual({
      name: 'search (meilisearch)', status: 'down', error: 'Meilisearch is unreachable during health check.',
    });
    expect(ready.body.components).toContainEqual({ name: 'store (embedded)', status: 'up' });
  });

  test('when a proxy in front of Meilisearch answers its HTML 502 page, then search degrades and /readyz says what came back', async () => {
    const standIn = await startMeiliStandIn();
    try {
      const index = await MeilisearchSearchIndex.connect({ host: standIn.host, apiKey: 'scoped-app-key-0123456789abcdef', timeoutMs: 500 });
      t = await buildTestApp({ wrapSearch: () => index });
      await t.store.partners.upsert(f.partner({ id: 'p-north' }));
      const org = f.org('p-north');
      await t.store.orgs.upsert(org);
      const user = await t.store.users.upsert(f.user(org.id, { firstName: 'Quentin', lastName: 'Zola' }));
      await t.addAgent('p-north', 'agent@north.example');
      const token = await t.apiToken('agent@north.example');
      standIn.intercept = () => PROXY_502;

      const res = await request(t.app).get('/api/v1/search').query({ q: user.email }).set('Authorization', `Bearer ${token}`).expect(200);
      expect(res.body).toMatchObject({ degraded: true, hits: [{ id: user.id, exact: true }] });
      const ready = await request(t.app).get('/readyz').expect(503);
      expect(ready.body.components).toContainEqual({
        name: 'search (meilisearch)', status: 'down',
        error: 'Meilisearch answered with something other than JSON during health check (a proxy in front of it answering for it?).',
      });
    } finally {
      await standIn.close();
    }
  });
});
