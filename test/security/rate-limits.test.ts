// Rate limits: sign-in, code send and check, search and the API answer 429 with
// Retry-After, and the count is shared by two app processes on one store: each test splits its
// requests between them, so a limit kept in memory would never trip.
import request from 'supertest';
import type { Express } from 'express';
import { SENDS_PER_USER } from '../../src/features/verification/verification.service';
import { buildTestApp, csrfFrom, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';
import { secondApp } from './second-app';

let t: TestApp;
let apps: [Express, Express];
let token: string;
let userId: string;

beforeEach(async () => {
  t = await buildTestApp();
  apps = [t.app, secondApp(t)];
  await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
  const org = f.org('p-a');
  await t.store.orgs.upsert(org);
  userId = (await t.store.users.upsert(f.user(org.id, { email: 'caller@acme.example' }))).id;
  await t.addAgent('p-a', 'agent@alpha.example');
  token = await t.apiToken('agent@alpha.example');
});
afterEach(() => t.close());

/** Sends `count` requests alternately through both apps; returns the statuses. */
async function alternate(count: number, make: (app: Express, i: number) => request.Test): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await make(apps[i % 2], i)).status);
  return statuses;
}

function expectLimited(res: request.Response): void {
  expect(res.status).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

test('when 50 sign-ins from one address fail across two processes, then the 51st is refused with 429 and Retry-After', async () => {
  const page = await request(t.app).get('/login');
  const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = csrfFrom(page.text);
  const post = (app: Express, i: number) => request(app).post('/login').set('Cookie', cookie).type('form')
    .send({ email: `nobody${i}@x.example`, password: 'wrong password', _csrf: csrf });
  expect(new Set(await alternate(50, post))).toEqual(new Set([401]));
  expectLimited(await post(apps[0], 50));
  expectLimited(await post(apps[1], 51));
});

test(`when ${SENDS_PER_USER.limit} codes went to a user across two processes, then the next send is refused with 429 and Retry-After`, async () => {
  const sendCode = (app: Express) => request(app).post(`/api/v1/users/${userId}/verifications`).set('Authorization', `Bearer ${token}`);
  expect(await alternate(SENDS_PER_USER.limit, sendCode)).toEqual(Array(SENDS_PER_USER.limit).fill(202));
  expectLimited(await sendCode(apps[1]));
});

test('when an agent checks 30 answers in a minute across two processes, then the 31st is refused with 429 and Retry-After', async () => {
  const check = (app: Express) => request(app).post('/api/v1/verifications/00000000-0000-4000-8000-000000000000/check')
    .set('Authorization', `Bearer ${token}`).send({ code: '12345678' });
  expect(new Set(await alternate(30, check))).toEqual(new Set([404]));
  expectLimited(await check(apps[0]));
});

test('when an agent searches 600 times in a minute through the API across two processes, then the 601st is refused, and a minute later it works', async () => {
  const search = (app: Express) => request(app).get('/api/v1/search?q=acme').set('Authorization', `Bearer ${token}`);
  expect(new Set(await alternate(600, search))).toEqual(new Set([200]));
  const limited = await search(apps[1]);
  expectLimited(limited);
  expect(limited.body.error.code).toBe('too_many_requests');
  t.clock.advance(61_000);
  await search(apps[0]).expect(200);
});

test('when an agent searches 600 times in a minute on the search page across two processes, then the 601st is refused', async () => {
  const client = request.agent(t.app);
  const page = await client.get('/login');
  await client.post('/login').type('form').send({ email: 'agent@alpha.example', password: 'correct horse battery staple', _csrf: csrfFrom(page.text) }).expect(303);
  const home = await client.get('/').expect(200);
  const cookie = ([] as string[]).concat(home.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const search = (app: Express, i: number) => request(app).get(`/?q=acme${i}`).set('Cookie', cookie);
  expect(new Set(await alternate(599, search))).toEqual(new Set([200]));
  const limited = await search(apps[0], 600).set('Accept', 'text/html');
  expectLimited(limited);
  expect(limited.text).toContain('Too many requests');
});
