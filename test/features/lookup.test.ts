// Screen-pop: the phone system opens /lookup?phone=<caller id> when a call rings.
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

describe('screen-pop by caller id', () => {
  let t: TestApp;
  let token: string;
  let logs = '';
  const ids = {
    org: '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11',
    helene: '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f',
    room: '9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d',
    twinA: '11111111-1111-4111-8111-111111111111',
    twinB: '22222222-2222-4222-8222-222222222222',
  };

  beforeAll(async () => {
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => { logs += chunk.toString(); });
    t = await buildTestApp({ logStream, logLevel: 'info' });
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    await t.store.orgs.upsert(f.org('p-north', { id: ids.org, name: 'Boulangerie Dupré SARL' }));
    await t.store.users.upsert(f.user(ids.org, {
      id: ids.helene, firstName: 'Hélène', lastName: 'Dupré', email: 'helene.dupre@dupre.example', phone: '+33612345678',
    }));
    await t.store.devices.upsert(f.device(ids.org, { id: ids.room, displayName: 'Salle Rivoli', sipAddress: 'rivoli@dupre.example' }));
    // Two people sharing a reception line.
    await t.store.users.upsert(f.user(ids.org, { id: ids.twinA, firstName: 'Anne', lastName: 'Accueil', phone: '+33 1 44 55 66 77' }));
    await t.store.users.upsert(f.user(ids.org, { id: ids.twinB, firstName: 'Bruno', lastName: 'Accueil', phone: '01 44 55 66 77' }));
    // The digits of Hélène's number inside a serial: not her phone, never a match.
    await t.store.devices.upsert(f.device(ids.org, { displayName: 'Bureau', serial: '33612345678' }));
    const south = f.org('p-south', { name: 'Southwind customer' });
    await t.store.orgs.upsert(south);
    await t.store.users.upsert(f.user(south.id, { firstName: 'Sud', lastName: 'Caller', phone: '+33699999999' }));
    await t.sync();
    await t.addAgent('p-north', 'agent@north.example');
    token = await t.apiToken('agent@north.example');
  });
  afterAll(() => t.close());

  const pop = async (phone: string) => {
    const agent = await signIn(t.app, 'agent@north.example');
    return agent.get(`/lookup?phone=${encodeURIComponent(phone)}`);
  };

  test.each([
    '+33612345678',
    '+33 6 12 34 56 78',
    '0033612345678',
    '06 12 34 56 78',
    '06.12.34.56.78',
    '(06) 12-34-56-78',
    'tel:+33612345678',
    'tel:+33-6-12-34-56-78;ext=12',
    'sip:+33612345678@pbx.example;user=phone',
    '"Hélène" <sip:+33612345678@pbx.example>',
    '+33612345678 x12',
    '+33612345678,12',
  ])('when the phone system sends the caller id as %s, then the caller’s user page opens', async (phone) => {
    const res = await pop(phone);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/users/${ids.helene}`);
  });

  test('when the caller id is a device’s SIP address, then the device page opens', async () => {
    const res = await pop('sip:Rivoli@dupre.example');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/devices/${ids.room}`);
  });

  test('when two users share the number, then the agent chooses between them', async () => {
    const res = await pop('+33144556677');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Anne Accueil');
    expect(res.text).toContain('Bruno Accueil');
    expect(res.text).toContain(`href="/users/${ids.twinA}"`);
  });

  test('when nobody has the number, then the search opens with the number typed in', async () => {
    const res = await pop('tel:+33 7 00 00 00 01');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/?q=${encodeURIComponent('+33700000001')}`);
  });

  test('when the number belongs to another partner’s customer, then the agent gets the search, not their page', async () => {
    const res = await pop('+33699999999');
    expect(res.headers.location).toBe(`/?q=${encodeURIComponent('+33699999999')}`);
  });

  test('when the caller id is not signed in, then the agent signs in and comes back to the lookup', async () => {
    const res = await request(t.app).get('/lookup?phone=%2B33612345678');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent('/lookup?phone=%2B33612345678')}`);
  });

  test('when an integration calls the API, then only the users and devices with that number answer', async () => {
    const res = await request(t.app).get(`/api/v1/lookup?phone=${encodeURIComponent('sip:+33612345678@pbx.example;user=phone')}`)
      .set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body.hits).toEqual([expect.objectContaining({ kind: 'user', id: ids.helene, orgId: ids.org, title: 'Hélène Dupré' })]);
    const none = await request(t.app).get('/api/v1/lookup?phone=%2B33699999999').set('Authorization', `Bearer ${token}`).expect(200);
    expect(none.body.hits).toEqual([]);
  });

  test('when a lookup happens, then the audit log has it with the number as read, and no log line has the caller id', async () => {
    logs = '';
    t.clock.advance(60_000);
    await pop('tel:+33-6-12-34-56-78;ext=12');
    const { events } = await t.store.audit.query({ partnerId: 'p-north', action: 'lookup', limit: 50, offset: 0 });
    expect(events[0]).toMatchObject({ action: 'lookup', subject: `user:${ids.helene}`, orgId: ids.org, detail: { phone: '+33612345678', hits: 1 } });
    expect(logs).toContain('/lookup');
    for (const form of ['33612345678', '612345678', '6-12-34']) expect(logs).not.toContain(form);
  });

  test('when the caller id is missing, then the API says what is wrong', async () => {
    const res = await request(t.app).get('/api/v1/lookup').set('Authorization', `Bearer ${token}`).expect(400);
    expect(res.body.error.message).toMatch(/phone/);
  });
});
