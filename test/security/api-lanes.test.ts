// The two ways into the JSON API (src/http/pipelines.ts, docs/architecture.md "Request pipelines"):
// a request with a Bearer token never reads the session and needs no CSRF token, whether the API
// answers it or not; the pages' own calls go through their session, and CSRF, first.
import request from 'supertest';
import * as f from '../helpers/factories';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';

describe('the API lane', () => {
  let t: TestApp;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    const org = f.org('p-north', { name: 'Boulangerie Dupré' });
    await t.store.orgs.upsert(org);
    userId = (await t.store.users.upsert(f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: 'helene@dupre.example' }))).id;
    await t.addAgent('p-north', 'agent@north.example');
    token = await t.apiToken('agent@north.example');
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  test('when a request carries a Bearer token and a session cookie, then the session is never read and no CSRF token is asked for, answered or not found', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const reads = jest.spyOn(t.store.sessions, 'get');
    const bearer = `Bearer ${token}`;

    await agent.get(`/api/v1/users/${userId}`).set('Authorization', bearer).expect(200);
    await agent.post(`/api/v1/users/${userId}/welcome-email`).set('Authorization', bearer).expect(202);
    const missing = await agent.post('/api/v1/nowhere').set('Authorization', bearer).expect(404);
    expect(missing.body.error.code).toBe('not_found');
    // Elsewhere under /api/ too: not found, without the session nor CSRF.
    const other = await agent.post('/api/v2/users').set('Authorization', bearer).expect(404);
    expect(other.body.error.code).toBe('not_found');

    expect(reads).not.toHaveBeenCalled();
  });

  test('when the pages call the API with their session, then the session is read and a change needs the CSRF token', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const csrf = csrfFrom((await agent.get('/').expect(200)).text);
    const reads = jest.spyOn(t.store.sessions, 'get');

    await agent.get(`/api/v1/users/${userId}`).expect(200);
    expect(reads).toHaveBeenCalledTimes(1);
    const refused = await agent.post(`/api/v1/users/${userId}/welcome-email`).expect(403);
    expect(refused.body.error.code).toBe('forbidden');
    await agent.post(`/api/v1/users/${userId}/welcome-email`).set('X-CSRF-Token', csrf).expect(202);
    // Without a session, the API answers 401 (never a redirect to the sign-in page).
    await request(t.app).get(`/api/v1/users/${userId}`).expect(401);
  });
});
