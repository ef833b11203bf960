// Tenant isolation: nothing of partner B reaches an agent of partner A; out of scope answers exactly like missing.
import request from 'supertest';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

describe('tenant isolation between partners', () => {
  let t: TestApp;
  let northToken: string;
  const south = { org: f.org('p-south', { name: 'Southern Bakery' }) } as { org: ReturnType<typeof f.org>; userId: string; deviceId: string };

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    await t.store.orgs.upsert(south.org);
    south.userId = (await t.store.users.upsert(f.user(south.org.id, { firstName: 'Sandra', lastName: 'South' }))).id;
    south.deviceId = (await t.store.devices.upsert(f.device(south.org.id, { displayName: 'South Room' }))).id;
    await t.sync();
    await t.addAgent('p-north', 'agent@north.example');
    northToken = await t.apiToken('agent@north.example');
  });
  afterAll(() => t.close());

  const api = (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${northToken}`);

  test('when an agent asks the API for another partner\'s org, user or device by id, then it answers 404 like a missing one', async () => {
    const missing = await api('/api/v1/orgs/00000000-0000-4000-8000-000000000000').expect(404);
    for (const path of [`/api/v1/orgs/${south.org.id}`, `/api/v1/users/${south.userId}`, `/api/v1/devices/${south.deviceId}`,
      `/api/v1/orgs/${south.org.id}/search?q=sandra`]) {
      const res = await api(path).expect(404);
      expect(res.body.error.code).toBe(missing.body.error.code);
      expect(JSON.stringify(res.body)).not.toMatch(/South|Sandra/);
    }
  });

  test('when an agent opens another partner\'s org, user or device page, then it answers 404', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    for (const path of [`/orgs/${south.org.id}`, `/users/${south.userId}`, `/devices/${south.deviceId}`]) {
      const res = await agent.get(path).expect(404);
      expect(res.text).not.toMatch(/Southern|Sandra|South Room/);
    }
  });

  test('when an agent searches for another partner\'s records by any identifier, then there is no hit', async () => {
    for (const q of [south.org.id, south.userId, south.deviceId, south.userId.slice(0, 8), 'sandra', 'southern bakery', 'south room']) {
      const res = await api(`/api/v1/search?q=${encodeURIComponent(q)}`).expect(200);
      expect(res.body.hits).toEqual([]);
    }
  });
});
