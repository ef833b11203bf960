// API tokens act as their owner: a partner admin issues tokens to themselves only, and every audit
// entry made through a token names that token (id and label, never the secret).
import request from 'supertest';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

describe('API token ownership', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.addAgent('p-north', 'admin@north.example', 'partner_admin');
    await t.addAgent('p-north', 'agent@north.example');
  });
  afterEach(() => t.close());

  test('when a partner admin asks /admin/tokens for a token owned by another agent, then it is refused and that agent owns no token', async () => {
    const admin = await signIn(t.app, 'admin@north.example');
    const other = (await t.store.agents.getByEmail('agent@north.example'))!;
    const page = await admin.get('/admin/tokens').expect(200);
    const res = await admin.post('/admin/tokens').type('form').send({ name: 'as agent', ownerId: other.id, _csrf: csrfFrom(page.text) });

    expect(res.status).toBe(403);
    expect(res.text).not.toMatch(/phd_[A-Za-z0-9_-]{20,}/);
    expect((await t.store.apiTokens.listByPartner('p-north')).filter((tk) => tk.agentId === other.id)).toEqual([]);
  });

  test('when a partner admin issues a token, then it is theirs, and the form offers no other owner', async () => {
    const admin = await signIn(t.app, 'admin@north.example');
    const self = (await t.store.agents.getByEmail('admin@north.example'))!;
    const page = await admin.get('/admin/tokens').expect(200);
    expect(page.text).not.toContain('name="ownerId"');
    await admin.post('/admin/tokens').type('form').send({ name: 'mine', _csrf: csrfFrom(page.text) }).expect(303);

    expect((await t.store.apiTokens.listByPartner('p-north')).map((tk) => [tk.name, tk.agentId])).toEqual([['mine', self.id]]);
  });

  test('when an agent acts through an API token, then the audit entry names the token and never holds its secret', async () => {
    const org = f.org('p-north', { name: 'Audited Org' });
    await t.store.orgs.upsert(org);
    const { token, record } = await t.auth.createToken('agent@north.example', 'ticketing bridge');

    await request(t.app).get(`/api/v1/orgs/${org.id}`).set('Authorization', `Bearer ${token}`).expect(200);

    const { events } = await t.store.audit.query({ partnerId: 'p-north', limit: 10, offset: 0 });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.detail).toMatchObject({ token: { id: record.id, name: 'ticketing bridge' } });
      expect(JSON.stringify(e)).not.toContain(token);
    }
  });

  test('when an agent acts through their signed-in session, then the audit entry names no token', async () => {
    const org = f.org('p-north', { name: 'Audited Org' });
    await t.store.orgs.upsert(org);
    const agent = await signIn(t.app, 'agent@north.example');
    await agent.get(`/orgs/${org.id}`).expect(200);

    const { events } = await t.store.audit.query({ partnerId: 'p-north', action: 'org.view', limit: 10, offset: 0 });
    expect(events.map((e) => e.detail.token)).toEqual([undefined]);
  });
});
