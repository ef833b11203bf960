// Property-based tests (fast-check): whatever the input, the search (API and page), the import
// parser and every JSON body route never answer 5xx, never reflect input unescaped into HTML,
// and never hand a foreign tenant's data out.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import request from 'supertest';
import { importNdjson } from '../../src/import/importer';
import type { TestApp } from '../helpers/test-app';
import { ROUTE_TABLE } from './route-table';
import { send } from './request';
import { buildWorld, openWorld, type World } from './world';

let world: World;
let t: TestApp;
beforeAll(async () => { world = await buildWorld(); });
beforeEach(async () => { t = await openWorld(world); });
afterEach(() => t.close());

const RUNS = { numRuns: 60 };
const MARKUP = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", '</textarea><b>x</b>'];
/** Queries an attacker would try: free text, A's identifiers and names, markup, and mixtures. */
const query = () => fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(...world.partnerAMarkers, 'alphaone.example', 'FOCALPHA', '+33612345678', '33 6 12 34 56 78'),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...MARKUP), fc.string({ maxLength: 10 })).map((p) => p.join('')),
);

test('when partner B searches anything through the API, then the answer is never 5xx and never holds partner A data', async () => {
  await fc.assert(fc.asyncProperty(query(), fc.constantFrom(undefined, 'org', 'user', 'device'), async (q, kind) => {
    const res = await request(t.app).get('/api/v1/search').query(kind ? { q, kind } : { q })
      .set('Authorization', `Bearer ${world.creds.foreign_helpdesk.token}`);
    expect(res.status).toBeLessThan(500);
    for (const marker of world.partnerAMarkers.filter((m) => !q.includes(m))) expect(res.text).not.toContain(marker);
  }), RUNS);
});

test('when partner A searches anything on the search page, then the answer is never 5xx and the query never comes back as markup', async () => {
  await fc.assert(fc.asyncProperty(query(), async (q) => {
    const res = await request(t.app).get('/').query({ q }).set('Cookie', world.creds.helpdesk.cookie);
    expect(res.status).toBeLessThan(500);
    for (const m of MARKUP) if (q.includes(m)) expect(res.text).not.toContain(m);
  }), RUNS);
});

test('when the org search gets anything, then partner B gets 404 for an org of A and partner A never a 5xx', async () => {
  await fc.assert(fc.asyncProperty(query(), async (q) => {
    const own = await request(t.app).get(`/api/v1/orgs/${world.ids.orgA1}/search`).query({ q })
      .set('Authorization', `Bearer ${world.creds.helpdesk.token}`);
    expect(own.status).toBeLessThan(500);
    const foreign = await request(t.app).get(`/api/v1/orgs/${world.ids.orgA1}/search`).query({ q })
      .set('Authorization', `Bearer ${world.creds.foreign_helpdesk.token}`);
    expect([400, 404]).toContain(foreign.status);
  }), RUNS);
});

/** Lines an import might meet: garbage, JSON of any shape, and records of every kind with wrong or hostile fields. */
const importLine = () => fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.json({ maxDepth: 3 }),
  fc.record({
    kind: fc.constantFrom('partner', 'org', 'user', 'device', 'suppression', 'email_event', 'nope'),
    id: fc.oneof(fc.uuid(), fc.string({ maxLength: 20 })),
    partnerId: fc.constantFrom('p-a', 'p-b', 'p-new'),
    orgId: fc.constantFrom(world.ids.orgA1, world.ids.orgB1, 'missing'),
    name: fc.string({ maxLength: 20 }),
    email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 20 })),
    status: fc.string({ maxLength: 10 }),
    createdAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 10 })),
    roles: fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }),
  }, { requiredKeys: ['kind'] }).map((o) => JSON.stringify(o)),
);

test('when the importer reads any lines, then it never throws, counts every line and names each bad one by its number', async () => {
  await fc.assert(fc.asyncProperty(fc.array(importLine(), { maxLength: 20 }), async (lines) => {
    const text = lines.map((l) => l.replace(/\r?\n/g, ' ')).join('\n');
    const summary = await importNdjson(t.store, Readable.from([Buffer.from(text)]));
    const parts = text.split('\n');
    // A final newline ends the last line; it does not start another.
    const count = parts[parts.length - 1] === '' ? parts.length - 1 : parts.length;
    expect(summary.lines).toBe(count);
    for (const f of summary.failed) {
      expect(f.line).toBeGreaterThanOrEqual(1);
      expect(f.line).toBeLessThanOrEqual(count);
      expect(typeof f.reason).toBe('string');
    }
    // A user or device lands in its org's partner whatever the line claims.
    for (const u of await t.store.users.listByOrg('p-b', world.ids.orgA1, { limit: 100, offset: 0 })) expect(u).toBeUndefined();
  }), { numRuns: 40 });
});

test('when partner B\'s integration token posts any lines, then the answer is never 5xx, never holds A data, and A\'s data stays as it was', async () => {
  const { token } = await t.auth.createIntegrationToken('p-b', 'beta sync');
  const orgA1 = await t.store.orgs.get('p-a', world.ids.orgA1);
  const callerA1 = await t.store.users.get('p-a', world.ids.callerA1);
  await fc.assert(fc.asyncProperty(fc.array(importLine(), { maxLength: 10 }), async (lines) => {
    const body = lines.map((l) => l.replace(/\r?\n/g, ' ')).join('\n');
    const res = await request(t.app).post('/api/v1/import').set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/x-ndjson').send(body);
    expect([200, 429]).toContain(res.status);
    for (const marker of world.partnerAMarkers.filter((m) => !body.includes(m))) expect(res.text).not.toContain(marker);
  }), { numRuns: 40 });
  expect(await t.store.orgs.get('p-a', world.ids.orgA1)).toEqual(orgA1);
  expect(await t.store.users.get('p-a', world.ids.callerA1)).toEqual(callerA1);
  expect(await t.store.users.listByOrg('p-b', world.ids.orgA1, { limit: 10, offset: 0 })).toEqual([]);
});

// The import reads NDJSON, not a JSON body: it has its own property above.
const jsonBodies = ROUTE_TABLE.filter((r) => r.surface === 'api' && r.method === 'POST' && r.path !== '/api/v1/import');

describe.each(jsonBodies.map((row) => [`${row.method} ${row.path}`, row] as const))('%s', (_name, row) => {
  test('when the JSON body is anything, then partner A never gets a 5xx and partner B gets 400 or 404 without A data', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
      const json = JSON.stringify(body);
      const own = await request(t.app).post(row.url(world)).set('Authorization', `Bearer ${world.creds.helpdesk.token}`)
        .set('Content-Type', 'application/json').send(json);
      expect(own.status).toBeLessThan(500);
      const foreign = await request(t.app).post(row.url(world)).set('Authorization', `Bearer ${world.creds.foreign_helpdesk.token}`)
        .set('Content-Type', 'application/json').send(json);
      expect([400, 404, 429]).toContain(foreign.status);
      for (const marker of world.partnerAMarkers.filter((m) => !row.url(world).includes(m))) expect(foreign.text).not.toContain(marker);
    }), { numRuns: 30 });
  });
});

test('when a page form gets a body of any shape, then the answer is never 5xx', async () => {
  const forms = ROUTE_TABLE.filter((r) => r.surface === 'page' && r.method === 'POST');
  await fc.assert(fc.asyncProperty(fc.constantFrom(...forms), fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 })),
    async (row, fields) => {
      const res = await send(t.app, world, { ...row, body: () => fields }, 'partner_admin');
      expect(res.status).toBeLessThan(500);
    }), RUNS);
});
