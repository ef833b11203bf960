// Two partners look after users with the same address. The suppression list is the platform's
// (per address), but what one partner's mail and actions produced (the provider's diagnostic of
// that mail, its last-email state, who cleared the address and why) never reaches the other
// partner's pages or API (src/features/suppression/email-events.ts, suppression.service.ts).
import request from 'supertest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_PATH, signMailEvent } from '../../src/features/suppression/mail-webhook.routes';
import * as f from '../helpers/factories';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';

const SECRET = 'whsec-shared-address-provider-0123456789';
const SHARED = 'shared@both.example';
const NORTH_DIAGNOSTIC = '550 5.7.1 rejected: "Welcome to Northwind Partners" blocked by policy';
const NORTH_DELIVERY = '250 2.0.0 OK queued: "Welcome to Northwind Partners"';
const NORTH_REASON = 'NW-TICKET-4711 caller fixed the mailbox';
/** Nothing of Northwind may appear on Southgate's side. */
const NORTH_TRACES = ['Northwind', 'NW-TICKET-4711', 'agent@north.example', 'p-north'];

describe('email state of an address two partners share', () => {
  let t: TestApp;
  let northUser: string;
  let southUser: string;
  let northToken: string;
  let southToken: string;

  beforeEach(async () => {
    t = await buildTestApp({ env: { MAIL_WEBHOOK_SECRET: SECRET } });
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind Partners' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southgate Services' });
    const northOrg = f.org('p-north', { name: 'Dupré North' });
    const southOrg = f.org('p-south', { name: 'Dupré South' });
    await t.store.orgs.upsert(northOrg);
    await t.store.orgs.upsert(southOrg);
    northUser = (await t.store.users.upsert(f.user(northOrg.id, { email: SHARED, firstName: 'Sam' }))).id;
    southUser = (await t.store.users.upsert(f.user(southOrg.id, { email: SHARED, firstName: 'Sam' }))).id;
    await t.addAgent('p-north', 'agent@north.example');
    await t.addAgent('p-south', 'agent@south.example');
    northToken = await t.apiToken('agent@north.example');
    southToken = await t.apiToken('agent@south.example');
  });
  afterEach(() => t.close());

  /** The provider reports on a mail Northwind sent (it echoes the partner the app put on the mail). */
  async function providerSays(event: object) {
    const raw = JSON.stringify({ email: SHARED, messageKind: 'welcome', at: t.clock.now().toISOString(), partnerId: 'p-north', ...event });
    const ts = String(Math.floor(t.clock.now().getTime() / 1000));
    await request(t.app).post(WEBHOOK_PATH).set('Content-Type', 'application/json')
      .set(TIMESTAMP_HEADER, ts).set(SIGNATURE_HEADER, signMailEvent(SECRET, ts, raw)).send(raw).expect(200);
  }
  const api = (token: string, path: string) => request(t.app).get(path).set('Authorization', `Bearer ${token}`);
  async function southSees() {
    const json = await api(southToken, `/api/v1/users/${southUser}`).expect(200);
    const page = await (await signIn(t.app, 'agent@south.example')).get(`/users/${southUser}`).expect(200);
    return { json, page };
  }

  test('when Northwind\'s mail bounces, then Southgate sees the address suppressed (reason, since) but neither the diagnostic nor a last email of it', async () => {
    await providerSays({ type: 'bounce', detail: NORTH_DIAGNOSTIC });

    const north = await api(northToken, `/api/v1/users/${northUser}`).expect(200);
    expect(north.body.suppression).toMatchObject({ reason: 'hard_bounce', detail: NORTH_DIAGNOSTIC });
    expect(north.body.lastEmail).toMatchObject({ kind: 'welcome', status: 'bounced', detail: NORTH_DIAGNOSTIC });

    const { json, page } = await southSees();
    expect(json.body.suppression).toEqual({ email: SHARED, reason: 'hard_bounce', since: expect.any(String), detail: '' });
    expect(json.body.lastEmail).toBeNull();
    for (const trace of NORTH_TRACES) {
      expect(json.text).not.toContain(trace);
      expect(page.text).not.toContain(trace);
    }
    expect(page.text).toContain('This address is on the suppression list');
  });

  test('when Northwind clears the shared address with a reason and mails it, then Southgate\'s page and API show nothing of that mail, who cleared it or why', async () => {
    await providerSays({ type: 'bounce', detail: NORTH_DIAGNOSTIC });
    const north = await signIn(t.app, 'agent@north.example');
    const userPage = await north.get(`/users/${northUser}`).expect(200);
    await north.post(`/users/${northUser}/suppression/clear`).type('form')
      .send({ _csrf: csrfFrom(userPage.text), reason: NORTH_REASON }).expect(303);
    await north.post(`/users/${northUser}/welcome-email`).type('form').send({ _csrf: csrfFrom(userPage.text) }).expect(303);
    expect((await t.store.mailOutbox.listByPartner('p-north', { limit: 10, offset: 0 })).map((m) => m.to)).toEqual([SHARED]);
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    await providerSays({ type: 'delivery', detail: NORTH_DELIVERY });

    const northState = await api(northToken, `/api/v1/users/${northUser}`).expect(200);
    expect(northState.body.lastEmail).toMatchObject({ kind: 'welcome', status: 'delivered', detail: NORTH_DELIVERY });

    const { json, page } = await southSees();
    // The list is the platform's: the address is no longer on it, for everyone; the rest is Northwind's.
    expect(json.body.suppression).toBeNull();
    expect(json.body.lastEmail).toBeNull();
    for (const trace of NORTH_TRACES) {
      expect(json.text).not.toContain(trace);
      expect(page.text).not.toContain(trace);
    }
    await t.addAgent('p-south', 'admin@south.example', 'partner_admin');
    const audit = await (await signIn(t.app, 'admin@south.example')).get('/audit').expect(200);
    for (const trace of NORTH_TRACES) expect(audit.text).not.toContain(trace);
  });

  test('when Southgate clears an address Northwind\'s mail got suppressed, then Southgate\'s audit entry does not carry Northwind\'s diagnostic', async () => {
    await providerSays({ type: 'bounce', detail: NORTH_DIAGNOSTIC });

    const cleared = await request(t.app).post(`/api/v1/users/${southUser}/suppression/clear`)
      .set('Authorization', `Bearer ${southToken}`).send({ reason: 'caller asked' }).expect(200);

    expect(cleared.body.suppression).toBeNull();
    const { events } = await t.store.audit.query({ partnerId: 'p-south', action: 'suppression.clear', limit: 10, offset: 0 });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain('Northwind');
  });

  test('when the provider cannot tell whose mail an event was about, then it is the platform\'s and every user with the address sees it', async () => {
    await providerSays({ type: 'deferral', detail: '451 4.7.1 try again later', partnerId: undefined });

    for (const [token, user] of [[northToken, northUser], [southToken, southUser]]) {
      const res = await api(token, `/api/v1/users/${user}`).expect(200);
      expect(res.body.lastEmail).toMatchObject({ status: 'deferred', detail: '451 4.7.1 try again later' });
    }
  });
});
