// POST /api/v1/import: a partner's sync job posts NDJSON with an integration token and gets the
// CLI's per-line report; every line stays inside the token's partner.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { IMPORT_MAX_BYTES, IMPORTS_PER_HOUR } from '../../src/features/import/import.routes';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

const ndjson = (lines: Array<object | string>) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
const orgLine = (o: ReturnType<typeof f.org>) => ({ kind: 'org', ...o });
const userLine = (u: ReturnType<typeof f.user>) => ({ kind: 'user', ...u });
const deviceLine = (d: ReturnType<typeof f.device>) => ({ kind: 'device', ...d });

describe('POST /api/v1/import', () => {
  let t: TestApp;
  let token: string;
  let tokenId: string;
  const southOrg = f.org('p-south', { name: 'Southern Bakery' });
  const southUser = f.user(southOrg.id, { firstName: 'Sven', lastName: 'South' });

  beforeEach(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    await t.store.orgs.upsert(southOrg);
    await t.store.users.upsert(southUser);
    await t.addAgent('p-north', 'agent@north.example');
    await t.addAgent('p-north', 'admin@north.example', 'partner_admin');
    const issued = await t.auth.createIntegrationToken('p-north', 'crm sync');
    token = issued.token;
    tokenId = issued.record.id;
  });
  afterEach(() => t.close());

  const post = (body: string, bearer = token) =>
    request(t.app).post('/api/v1/import').set('Authorization', `Bearer ${bearer}`).set('Content-Type', 'application/x-ndjson').send(body);

  test('when a sync job posts good and bad lines, then every good line is kept and each bad one is reported with its line number', async () => {
    const org = f.org('p-north', { name: 'Northern Mill' });
    const user = f.user(org.id, { firstName: 'Nina', lastName: 'North' });
    const res = await post(ndjson([
      { kind: 'partner', id: 'p-north', name: 'Northwind Partners' },
      orgLine(org),
      '{"kind":"user", not json',
      userLine(user),
      { kind: 'user', id: 'u-2', orgId: org.id },
      userLine({ ...user, phone: '+33612345678' }),
    ])).expect(200);

    expect(res.body).toEqual({
      added: 2, updated: 2, deleted: 0, unchanged: 0,
      errors: [{ line: 3, reason: expect.stringContaining('invalid JSON') }, { line: 5, reason: expect.stringContaining('email') }],
    });
    expect(await t.store.orgs.get('p-north', org.id)).toMatchObject({ name: 'Northern Mill' });
    expect(await t.store.users.get('p-north', user.id)).toMatchObject({ phone: '+33612345678' });
    expect(await t.store.partners.get('p-north')).toMatchObject({ name: 'Northwind Partners' });
  });

  test('when lines name another partner or its records, then each is refused with its line, answers like a missing record, and nothing of that partner changes', async () => {
    const org = f.org('p-north', { name: 'Northern Mill' });
    const missingOrg = '00000000-0000-4000-8000-000000000000';
    const res = await post(ndjson([
      orgLine(org),
      { kind: 'partner', id: 'p-south', name: 'Taken Over' },
      orgLine({ ...f.org('p-south'), name: 'Planted' }),
      orgLine({ ...southOrg, partnerId: 'p-north', name: 'Claimed' }),
      userLine({ ...southUser, lastName: 'Changed' }),
      userLine(f.user(missingOrg)),
      deviceLine(f.device(southOrg.id)),
      userLine({ ...southUser, orgId: org.id }),
      { kind: 'suppression', email: southUser.email, reason: 'manual', since: '2026-01-01T00:00:00Z', detail: 'x' },
      userLine(f.user(org.id)),
    ])).expect(200);

    expect(res.body.added).toBe(2);
    expect(res.body.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const reasons: string[] = res.body.errors.map((e: { reason: string }) => e.reason);
    // Another partner's org reads exactly like an org that does not exist.
    expect(reasons[3].replace(southOrg.id, 'ID')).toBe(reasons[4].replace(missingOrg, 'ID'));
    for (const r of reasons) expect(r).not.toMatch(/Southwind|Southern Bakery|Sven/);
    expect(await t.store.partners.get('p-south')).toEqual({ id: 'p-south', name: 'Southwind' });
    expect(await t.store.orgs.get('p-south', southOrg.id)).toMatchObject({ name: 'Southern Bakery' });
    expect(await t.store.users.get('p-south', southUser.id)).toMatchObject({ lastName: 'South', orgId: southOrg.id });
    expect(await t.store.orgs.count('p-south')).toBe(1);
    expect(await t.store.devices.count('p-south')).toBe(0);
    expect(await t.store.suppressions.get(southUser.email)).toBeNull();
  });

  test('when an import is posted, then one audit entry records its counts and names the token', async () => {
    const org = f.org('p-north');
    await post(ndjson([orgLine(org), 'oops'])).expect(200);

    const { events } = await t.store.audit.query({ partnerId: 'p-north', action: 'import.http', limit: 10, offset: 0 });
    expect(events).toEqual([expect.objectContaining({
      actorId: `token:${tokenId}`, actorRole: 'integration', outcome: 'success',
      detail: expect.objectContaining({ added: 1, updated: 0, errors: 1, lines: 2, token: { id: tokenId, name: 'crm sync' } }),
    })]);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  test('when the body is sent as JSON and is larger than the JSON parser accepts, then the import still reads it all', async () => {
    const org = f.org('p-north');
    const users = Array.from({ length: 1500 }, (_, i) => userLine(f.user(org.id, { firstName: `User${i}`, lastName: 'Bulk' })));
    const body = ndjson([orgLine(org), ...users]);
    expect(body.length).toBeGreaterThan(64 * 1024);

    const res = await request(t.app).post('/api/v1/import').set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json').send(body).expect(200);

    expect(res.body).toMatchObject({ added: 1501, errors: [] });
    expect(await t.store.users.count('p-north')).toBe(1500);
  });

  test('when a body declares more than 50 MB, then the answer is 413 before anything is read', async () => {
    const { status, body } = await rawPost(t, token, { 'Content-Length': String(IMPORT_MAX_BYTES + 1) }, [ndjson([orgLine(f.org('p-north'))])]);
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe('too_large');
    expect(await t.store.orgs.count('p-north')).toBe(0);
  });

  test('when a streamed body goes past 50 MB, then reading stops, the answer is 413 and the attempt is audited', async () => {
    const org = f.org('p-north');
    const filler = `${' '.repeat(1024 * 1024 - 1)}\n`;
    const chunks = [ndjson([orgLine(org)]), ...Array.from({ length: 52 }, () => filler)];
    const { status } = await rawPost(t, token, { 'Transfer-Encoding': 'chunked' }, chunks);

    expect(status).toBe(413);
    // Lines before the limit were applied, as a CLI import stopped half way keeps its lines.
    expect(await t.store.orgs.get('p-north', org.id)).not.toBeNull();
    const { events } = await t.store.audit.query({ partnerId: 'p-north', action: 'import.http', limit: 10, offset: 0 });
    expect(events).toEqual([expect.objectContaining({ outcome: 'failure', detail: expect.objectContaining({ tooLarge: true, added: 1 }) })]);
    expect(events[0].detail.bytes).toBeLessThanOrEqual(IMPORT_MAX_BYTES);
  });

  test('when an agent token or a signed-in agent posts an import, then the answer is 403 and nothing is imported', async () => {
    const body = ndjson([orgLine(f.org('p-north'))]);
    for (const email of ['agent@north.example', 'admin@north.example']) {
      await post(body, await t.apiToken(email)).expect(403);
    }
    const agent = await signIn(t.app, 'admin@north.example');
    const csrf = csrfFrom((await agent.get('/').expect(200)).text);
    await agent.post('/api/v1/import').set('X-CSRF-Token', csrf).set('Content-Type', 'application/x-ndjson').send(body).expect(403);
    await post(body, 'phd_not-a-token').expect(401);
    expect(await t.store.orgs.count('p-north')).toBe(0);
  });

  test('when an integration token is used anywhere but the import, then the answer is 403', async () => {
    const org = f.org('p-north');
    await t.store.orgs.upsert(org);
    const bearer = { Authorization: `Bearer ${token}` };
    await request(t.app).get('/api/v1/search?q=acme').set(bearer).expect(403);
    await request(t.app).get(`/api/v1/orgs/${org.id}`).set(bearer).expect(403);
    await request(t.app).get('/api/v1/no-such-route').set(bearer).expect(403);
    await request(t.app).get('/').set(bearer).expect(403);
    await request(t.app).get('/admin/tokens').set(bearer).expect(403);
    await request(t.app).post('/admin/tokens').set(bearer).send({ name: 'escalate' }).expect(403);
    expect((await t.store.apiTokens.listByPartner('p-north')).map((tk) => tk.name)).toEqual(['crm sync']);
  });

  test(`when a token posts more than ${IMPORTS_PER_HOUR} imports in an hour, then it gets 429 with Retry-After`, async () => {
    for (let i = 0; i < IMPORTS_PER_HOUR; i += 1) await post('\n').expect(200);
    const res = await post('\n').expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(3_600_000);
    await post('\n').expect(200);
  });

  test('when an integration token is revoked, then its imports answer 401', async () => {
    const admin = await signIn(t.app, 'admin@north.example');
    const page = await admin.get('/admin/tokens').expect(200);
    expect(page.text).toContain('crm sync');
    expect(page.text).toContain('integration (imports only)');
    await admin.post(`/admin/tokens/${tokenId}/revoke`).type('form').send({ confirm: 'yes', _csrf: csrfFrom(page.text) }).expect(303);
    await post(ndjson([orgLine(f.org('p-north'))])).expect(401);
  });
});

/** A request written by hand: a declared length it never sends, or a chunked body written piece by piece. */
async function rawPost(t: TestApp, token: string, headers: Record<string, string>, chunks: string[]): Promise<{ status: number; body: string }> {
  const server = t.app.listen(0);
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const req = http.request({ port, method: 'POST', path: '/api/v1/import', headers: {
        ...headers, Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-ndjson',
      } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      let answered = false;
      req.on('response', () => { answered = true; });
      // The server stops reading and closes: writes after that fail, the answer is what counts.
      req.on('error', (err) => { if (!answered) reject(err); });
      (async () => {
        for (const chunk of chunks) {
          if (answered || req.destroyed) return;
          if (!req.write(chunk)) await new Promise((r) => { req.once('drain', r); req.once('response', r); req.once('close', r); });
        }
        if (!headers['Content-Length']) req.end();
      })().catch(() => undefined);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
