// Open redirects: the language switch and the sign-in page send the browser back to a `next` path
// taken from the request. Whatever that value is, the Location answered must resolve to this site.
import fc from 'fast-check';
import request from 'supertest';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';

const ORIGIN = 'https://helpdesk.example';
/** Pieces an attacker strings together to make a path that a browser reads as another host. */
const PIECES = ['/', '//', '\\', '/\\', '.', '..', './', '../', '%2e', '%2f', '%5c', '%09', '\t', '\n', '\r', ' ', '@', ':',
  'http:', 'https:', 'javascript:alert(1)', 'evil.example', '?', '#', '%00', '\u3002', '／'];
const hostile = () => fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((p) => p.join('')),
  fc.array(fc.constantFrom(...PIECES), { maxLength: 4 }).map((p) => `/${p.join('')}evil.example`),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('/.//evil.example', '/./\\evil.example', '/..//evil.example', '/%2e//evil.example', '/a/..//evil.example',
    '/\t/evil.example', '///evil.example', 'https://evil.example', '/\\/evil.example'),
);

/** Where a browser on any page of the site goes with this Location. */
const resolvedOrigin = (location: string) => new URL(location, `${ORIGIN}/users/x`).origin;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
  await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
  await t.addAgent('p-a', 'agent@alpha.example');
});
afterAll(() => t.close());

test('when the language switch gets `next=/.//evil.example`, then it goes back to a path on this site, not to //evil.example', async () => {
  const client = request.agent(t.app);
  const page = await client.get('/login').expect(200);
  const res = await client.post('/lang').type('form').send({ lang: 'fr', next: '/.//evil.example', _csrf: csrfFrom(page.text) }).expect(303);
  expect(res.headers.location).not.toMatch(/^\/\//);
  expect(resolvedOrigin(res.headers.location)).toBe(ORIGIN);
});

test('when the language switch gets any hostile `next`, then the Location always resolves to this site', async () => {
  const client = request.agent(t.app);
  const page = await client.get('/login').expect(200);
  const csrf = csrfFrom(page.text);
  await fc.assert(fc.asyncProperty(hostile(), async (next) => {
    const res = await client.post('/lang').type('form').send({ lang: 'en', next, _csrf: csrf });
    expect(res.status).toBe(303);
    expect(resolvedOrigin(res.headers.location)).toBe(ORIGIN);
  }), { numRuns: 300 });
});

test('when a signed-in agent opens the sign-in page with any hostile `next`, then the Location always resolves to this site', async () => {
  const agent = await signIn(t.app, 'agent@alpha.example');
  await fc.assert(fc.asyncProperty(hostile(), async (next) => {
    const res = await agent.get('/login').query({ next });
    expect(res.status).toBe(303);
    expect(resolvedOrigin(res.headers.location)).toBe(ORIGIN);
  }), { numRuns: 300 });
});

test('when `next` is an ordinary path with a query, then the switch keeps it', async () => {
  const client = request.agent(t.app);
  const page = await client.get('/login').expect(200);
  const res = await client.post('/lang').type('form').send({ lang: 'fr', next: '/orgs/abc?tab=users#admins', _csrf: csrfFrom(page.text) }).expect(303);
  expect(res.headers.location).toBe('/orgs/abc?tab=users#admins');
});
