// validate() (src/http/validate.ts): a route's params, query and body parsed by its zod schemas into a
// typed req.input, or answered through the one error path: a path parameter that is no id names no
// record (404), a bad query or body is 400; either way `fields` says which field and why.
import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { errorHandler } from '../../src/http/error-handler';
import { idParams, validate } from '../../src/http/validate';
import * as f from '../helpers/factories';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

const ID = '5d1e7a4c-3b2f-4e8a-9c6d-1a2b3c4d5e6f';

describe('validate(): a route\'s inputs', () => {
  const seen: unknown[] = [];
  const app = express();
  app.use(express.json());
  app.post('/api/things/:id', validate({
    params: idParams,
    query: z.object({ page: z.coerce.number().int().min(1).default(1) }),
    body: z.object({ reason: z.string().trim().min(3, 'give a reason') }),
  }, (req, res) => {
    const { params, query, body } = req.input;
    // Typed from the schemas: a field no schema has does not compile.
    // @ts-expect-error `nope` is not a path parameter of this route
    void params.nope;
    const page: number = query.page;
    seen.push({ id: params.id, page, reason: body.reason });
    res.json({ ok: true });
  }));
  // The middleware form: later handlers read req.input.
  app.get('/api/plain/:id', validate({ params: idParams }), (req, res) => { res.json({ input: req.input }); });
  app.use(errorHandler);

  beforeEach(() => { seen.length = 0; });

  test('when every input parses, then the handler gets them parsed (coerced, defaulted, trimmed)', async () => {
    await request(app).post(`/api/things/${ID}?page=2`).send({ reason: '  ticket 4711 ' }).expect(200);
    await request(app).post(`/api/things/${ID}`).send({ reason: 'ticket 4711' }).expect(200);
    expect(seen).toEqual([{ id: ID, page: 2, reason: 'ticket 4711' }, { id: ID, page: 1, reason: 'ticket 4711' }]);
    const plain = await request(app).get(`/api/plain/${ID}`).expect(200);
    expect(plain.body.input).toEqual({ params: { id: ID } });
  });

  test('when a path parameter is no id, then the answer is 404 not_found naming the parameter and why, and the handler never runs', async () => {
    const res = await request(app).post('/api/things/not-an-id').send({ reason: 'ticket 4711' }).expect(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.body.error.fields).toEqual([{ field: 'id', message: 'must be a UUID' }]);
    expect(res.body.error.message).toBe('Not found: id: must be a UUID');
    expect(seen).toEqual([]);
  });

  test('when the query or the body does not parse, then the answer is 400 invalid with each field and why', async () => {
    const query = await request(app).post(`/api/things/${ID}?page=0`).send({ reason: 'ticket 4711' }).expect(400);
    expect(query.body.error.code).toBe('invalid');
    expect(query.body.error.fields).toEqual([{ field: 'page', message: expect.stringMatching(/>=\s*1/) }]);

    const both = await request(app).post(`/api/things/${ID}?page=x`).send({ reason: ' a ' }).expect(400);
    expect(both.body.error.fields.map((e: { field: string }) => e.field)).toEqual(['page', 'reason']);
    expect(both.body.error.fields[1]).toEqual({ field: 'reason', message: 'give a reason' });
    expect(seen).toEqual([]);
  });

  test('when the path is bad and so is the body, then the path decides: 404', async () => {
    await request(app).post('/api/things/nope?page=0').send({}).expect(404);
  });
});

describe('validate() on the app\'s routes', () => {
  let t: TestApp;
  let token: string;
  let orgId: string;
  const AGENT = 'agent@north.example';

  beforeAll(async () => {
    t = await buildTestApp();
    const org = await f.saveOrg(t.store, { partnerId: 'p-north' });
    orgId = org.id;
    await t.addAgent('p-north', AGENT);
    token = await t.apiToken(AGENT);
  });
  afterAll(() => t.close());

  const api = (path: string) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  test('when an API path names something that is no id, then the answer is the unknown record\'s 404, saying which field and why', async () => {
    for (const path of ['/orgs/..%2F..%2Fetc', '/users/not-a-uuid', `/orgs/${orgId}/portal/users/42`]) {
      const res = await api(path).expect(404);
      expect(res.body.error.code).toBe('not_found');
      expect(res.body.error.fields[0].message).toBe('must be a UUID');
    }
    expect((await api(`/orgs/${orgId}/portal/users/42`)).body.error.fields).toEqual([{ field: 'userId', message: 'must be a UUID' }]);
    // A well-formed id nobody has answers the same status, as before.
    expect((await api(`/users/${ID}`).expect(404)).body.error.code).toBe('not_found');
  });

  test('when a page path names something that is no id, then the agent gets the not-found page', async () => {
    const agent = await signIn(t.app, AGENT);
    for (const path of ['/orgs/not-an-id', '/users/not-an-id/summary.txt', `/orgs/${orgId}/portal/users/42`]) {
      const page = await agent.get(path).expect(404);
      expect(page.type).toBe('text/html');
      expect(page.text).toContain('We could not find that page.');
    }
  });

  test('when an API query does not parse, then the answer is 400 naming the field', async () => {
    const res = await api(`/orgs/${orgId}/portal?page=0&reason=ticket%204711`).expect(400);
    expect(res.body.error.fields).toEqual([{ field: 'page', message: expect.any(String) }]);
  });
});
