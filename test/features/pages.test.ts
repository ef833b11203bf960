// The pages an agent uses on a call: search without JavaScript, the org page and the user page.
import request from 'supertest';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

const CSP = "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' data:;object-src 'none';base-uri 'none';frame-ancestors 'none';form-action 'self'";

describe('pages', () => {
  let t: TestApp;
  const org = f.org('p-north', {
    name: 'Boulangerie Dupré SARL',
    sites: [{ url: 'dupre.webex.com', type: 'meetings', status: 'active' }],
    domains: [{ name: 'dupre.example', claimed: true, verified: true }],
    orders: [{ number: 'WO-48213379', product: 'Webex Meetings', status: 'provisioned', date: '2023-03-28' }],
    subscriptions: [{ id: 'Sub-100231', plan: 'Webex Suite', status: 'active', start: '2023-04-01', end: '2030-03-31',
      licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 37 }] }],
  });
  let userId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.orgs.upsert(org);
    userId = (await t.store.users.upsert(f.user(org.id, {
      firstName: 'Hélène', lastName: 'Dupré', displayName: 'Hélène Dupré', email: 'helene.dupre@dupre.example',
      roles: ['full_admin'], licenses: ['MEET-ENT'], features: ['meetings'],
      lastEmail: { kind: 'welcome', status: 'bounced', at: '2023-04-02T08:01:00Z', detail: '550 5.1.1 mailbox unavailable' },
    }))).id;
    await t.store.devices.upsert(f.device(org.id, { displayName: 'Salle Rivoli', ownerUserId: userId }));
    await t.sync();
    await t.addAgent('p-north', 'agent@north.example');
  });
  afterAll(() => t.close());

  test('when the search form is submitted without JavaScript, then the hits are rendered grouped by kind', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get('/?q=dupre').expect(200);
    expect(res.text).toContain('Organizations');
    expect(res.text).toContain('Users');
    expect(res.text).toContain(`href="/users/${userId}"`);
    expect(res.text).toContain('<mark>');
  });

  test('when a query holds markup, then it is shown escaped, never as markup', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/?q=${encodeURIComponent('<script>alert(1)</script>')}`).expect(200);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;');
  });

  test('when the org page opens, then it shows sites, domains, orders, licenses as bars and admins with emails', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/orgs/${org.id}`).expect(200);
    for (const text of ['Boulangerie Dupré SARL', 'dupre.webex.com', 'dupre.example', 'WO-48213379', 'Meetings Enterprise',
      '37 of 50 used', 'helene.dupre@dupre.example', 'Full admin', '2024-01-10']) {
      expect(res.text).toContain(text);
    }
    expect(res.text).toMatch(/<meter[^>]+value="37"/);
  });

  test('when the user page opens, then it shows status, roles, licenses, devices, features and the last email', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/users/${userId}`).expect(200);
    for (const text of ['Hélène Dupré', 'active', 'Full admin', 'MEET-ENT', 'Salle Rivoli', 'meetings', 'bounced', '550 5.1.1 mailbox unavailable']) {
      expect(res.text).toContain(text);
    }
    const audit = await t.store.audit.query({ partnerId: 'p-north', action: 'user.view', limit: 5, offset: 0 });
    expect(audit.events[0]).toMatchObject({ subject: `user:${userId}`, orgId: org.id });
  });

  test('when the user page opens, then licenses and features show by name, in English and French, with their codes kept; the API keeps the codes', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const en = await agent.get(`/users/${userId}`).expect(200);
    expect(en.text).toContain('<span title="MEET-ENT">Meetings Enterprise</span> <span class="mono muted">MEET-ENT</span>');
    expect(en.text).toContain('<li title="meetings">Meetings</li>');
    const fr = await agent.get(`/users/${userId}`).set('Accept-Language', 'fr').expect(200);
    expect(fr.text).toContain('<li title="meetings">Réunions</li>');
    const api = await agent.get(`/api/v1/users/${userId}`).expect(200);
    expect(api.body.user).toMatchObject({ licenses: ['MEET-ENT'], features: ['meetings'] });
    expect(api.body.licenseNames).toEqual({ 'MEET-ENT': 'Meetings Enterprise' });
  });

  test('when the org is searched from its own page, then only its users and devices are found', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const res = await agent.get(`/orgs/${org.id}?q=rivoli`).expect(200);
    expect(res.text).toContain('Salle Rivoli');
    const api = await agent.get(`/api/v1/orgs/${org.id}/search?q=helene`).expect(200);
    expect(api.body.hits.map((h: { kind: string }) => h.kind)).toEqual(['user']);
  });

  test('when any page answers, errors included, then it carries the strict CSP, HSTS and nosniff', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    for (const res of [await agent.get('/'), await agent.get('/nope'), await request(t.app).get('/login'), await request(t.app).get('/healthz')]) {
      expect(res.headers['content-security-policy']).toBe(CSP);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  test('when a page loads, then it links an SVG favicon that is served from the app, under the same strict CSP, with no script in it', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    for (const page of [await agent.get('/'), await request(t.app).get('/login'), await agent.get('/nope')]) {
      expect(page.text).toContain('<link rel="icon" href="/img/favicon.svg" type="image/svg+xml">');
    }
    const icon = await request(t.app).get('/img/favicon.svg').expect(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(icon.headers['content-security-policy']).toBe(CSP);
    const svg = String(icon.body instanceof Buffer ? icon.body.toString('utf8') : icon.text);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).not.toMatch(/<script|on\w+=|href=/i);
  });

  test('when a signed-in page answers, then it is not cached', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    expect((await agent.get(`/users/${userId}`)).headers['cache-control']).toBe('no-store');
    expect((await agent.get('/api/v1/search?q=x')).headers['cache-control']).toBe('no-store');
  });

  test('when a page does not exist, then it answers 404 as a page, or as JSON under /api', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const page = await agent.get('/no/such/page').expect(404);
    expect(page.text).toContain('We could not find that page.');
    const api = await agent.get('/api/v1/no-such-thing').expect(404);
    expect(api.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  test('when the browser prefers French, then the page is in French', async () => {
    const res = await request(t.app).get('/login').set('Accept-Language', 'fr-FR,fr;q=0.9').expect(200);
    expect(res.text).toContain('Se connecter');
    expect(res.text).toContain('lang="fr"');
  });

  test('when /healthz and /readyz are asked, then they answer with each component named', async () => {
    expect((await request(t.app).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    const ready = await request(t.app).get('/readyz').expect(200);
    expect(ready.body.components.map((c: { name: string; status: string }) => `${c.name}:${c.status}`))
      .toEqual(['store (embedded):up', 'search (embedded):up']);
  });

  test('when the store stops answering, then /readyz answers 503 and names it', async () => {
    const broken = await buildTestApp();
    await broken.store.close();
    const res = await request(broken.app).get('/readyz').expect(503);
    expect(res.body.components[0]).toMatchObject({ name: 'store (embedded)', status: 'down' });
  });
});
