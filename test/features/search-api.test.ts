// Each search rule (the ones test/contract/search-index.contract.ts pins on every adapter), through the HTTP API as an integration would use it.
import request from 'supertest';
import { buildTestApp, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

describe('GET /api/v1/search', () => {
  let t: TestApp;
  let token: string;
  const ids = {
    org: '0b7e6a4e-5a0c-4c57-9a51-3f1b2f0a9c11',
    helene: '5f0c2d1e-8b7a-4e3c-9d21-7a6b5c4d3e2f',
    device: '9a8b7c6d-1e2f-4a3b-8c9d-0e1f2a3b4c5d',
  };

  const search = async (q: string, extra = '') => {
    const res = await request(t.app).get(`/api/v1/search?q=${encodeURIComponent(q)}${extra}`)
      .set('Authorization', `Bearer ${token}`).expect(200);
    return res.body as { hits: Array<{ kind: string; id: string; orgId: string; title: string; subtitle: string; matched: { field: string; value: string } | null }>; processingTimeMs: number; partial?: { without: string } };
  };

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    await t.store.orgs.upsert(f.org('p-north', {
      id: ids.org, name: 'Boulangerie Dupré SARL',
      domains: [{ name: 'dupre.example', claimed: true, verified: true }],
      sites: [{ url: 'dupre.webex.com', type: 'meetings', status: 'active' }],
      orders: [{ number: 'WO-48213379', product: 'Webex Meetings', status: 'provisioned', date: '2023-03-28' }],
    }));
    await t.store.users.upsert(f.user(ids.org, {
      id: ids.helene, firstName: 'Hélène', lastName: 'Dupré', displayName: 'Hélène Dupré',
      email: 'helene.dupre@dupre.example', phone: '+33612345678',
    }));
    await t.store.users.upsert(f.user(ids.org, { firstName: 'Christopher', lastName: 'Villeneuve', displayName: 'Christopher Villeneuve', email: 'cv@dupre.example' }));
    await t.store.users.upsert(f.user(ids.org, { firstName: 'Marc', lastName: 'Dupont', displayName: 'Marc Dupont', email: 'marc@dupre.example' }));
    await t.store.devices.upsert(f.device(ids.org, {
      id: ids.device, ownerUserId: ids.helene, displayName: 'Salle Rivoli', serial: 'FOC2231X0QZ', mac: '00:1A:2B:3C:4D:5E',
    }));
    // A look-alike customer of another partner: it must never show up for p-north.
    const southOrg = f.org('p-south', {
      name: 'Boulangerie Dupré Sud', domains: [{ name: 'dupre-sud.example', claimed: true, verified: true }],
      sites: [{ url: 'dupresud.webex.com', type: 'meetings', status: 'active' }],
      orders: [{ number: 'WO-99999999', product: 'Webex Calling', status: 'provisioned', date: '2023-03-28' }],
    });
    await t.store.orgs.upsert(southOrg);
    await t.store.users.upsert(f.user(southOrg.id, { firstName: 'Hélène', lastName: 'Dupré', displayName: 'Hélène Dupré', email: 'helene@dupre-sud.example', phone: '+33612345679' }));
    await t.store.devices.upsert(f.device(southOrg.id, { displayName: 'Salle Rivoli', serial: 'FOC9999X9ZZ', mac: '00:1A:2B:3C:4D:99' }));
    await t.sync();
    await t.addAgent('p-north', 'agent@north.example');
    token = await t.apiToken('agent@north.example');
  });
  afterAll(() => t.close());

  test('when the query is a user UUID, then that user is the first hit', async () => {
    const { hits } = await search(ids.helene);
    expect(hits[0]).toMatchObject({ kind: 'user', id: ids.helene, orgId: ids.org, title: 'Hélène Dupré' });
  });

  test('when the query is an org UUID, then that org is the first hit', async () => {
    expect((await search(ids.org)).hits[0]).toMatchObject({ kind: 'org', id: ids.org });
  });

  test('when the query is the 8-character prefix of a UUID, then it finds that user', async () => {
    expect((await search(ids.helene.slice(0, 8))).hits[0]).toMatchObject({ id: ids.helene });
  });

  test('when a UUID prefix is typed with its dash, then it finds the record whose id starts with it, not one sharing only the first 8 characters', async () => {
    // Same first 8 characters as Hélène's id, same partner (in an org of its own: the other tests do not see it).
    const twinOrg = f.org('p-north', { name: 'Jumeaux SA' });
    await t.store.orgs.upsert(twinOrg);
    const twin = f.user(twinOrg.id, { id: '5f0c2d1e-0000-4000-8000-00000000beef', firstName: 'Jumeau', lastName: 'Prefixe', email: 'jumeau@jumeaux.example' });
    await t.store.users.upsert(twin);
    await t.sync();
    expect((await search('5F0C2D1E-8B7A')).hits.map((h) => h.id)).toEqual([ids.helene]);
    expect((await search('5f0c2d1e-0000-4')).hits.map((h) => h.id)).toEqual([twin.id]);
    expect((await search('5f0c2d1e')).hits.map((h) => h.id)).toEqual(expect.arrayContaining([ids.helene, twin.id]));
  });

  test('when the national number is typed without its leading 0, then that user is the first hit', async () => {
    expect((await search('612345678')).hits[0]).toMatchObject({ id: ids.helene, matched: { field: 'phone' } });
  });

  test('when two octets from the end of a MAC are typed, then the device is not found by them; its first three octets find it', async () => {
    expect((await search('4d 5e')).hits.map((h) => h.id)).not.toContain(ids.device);
    expect((await search('00:1a:2b')).hits[0]).toMatchObject({ kind: 'device', id: ids.device, matched: { field: 'mac' } });
  });

  test('when the query is an email in any case, then that user is the first hit', async () => {
    expect((await search('Helene.Dupre@DUPRE.example')).hits[0]).toMatchObject({ id: ids.helene, matched: { field: 'email' } });
  });

  test.each(['+33 6 12 34 56 78', '+33612345678', '0033 6 12 34 56 78', '06 12 34 56 78', '+33.6.12.34.56.78'])(
    'when the query is the phone number written as %s, then that user is the first hit',
    async (q) => {
      expect((await search(q)).hits[0]).toMatchObject({ id: ids.helene, matched: { field: 'phone' } });
    },
  );

  test('when the query is a Webex site, then that org is the first hit', async () => {
    expect((await search('dupre.webex.com')).hits[0]).toMatchObject({ kind: 'org', id: ids.org, matched: { field: 'site' } });
  });

  test('when the query is a claimed domain, then that org is the first hit', async () => {
    expect((await search('dupre.example')).hits[0]).toMatchObject({ kind: 'org', id: ids.org, matched: { field: 'domain' } });
  });

  test('when the query is a web order number, then that org is the first hit', async () => {
    expect((await search('WO-48213379')).hits[0]).toMatchObject({ kind: 'org', id: ids.org, matched: { field: 'order' } });
  });

  test('when the query is a device serial, then that device is the first hit', async () => {
    expect((await search('FOC2231X0QZ')).hits[0]).toMatchObject({ kind: 'device', id: ids.device, matched: { field: 'serial' } });
  });

  test.each(['00:1A:2B:3C:4D:5E', '00-1a-2b-3c-4d-5e', '001a2b3c4d5e', '001A.2B3C.4D5E'])(
    'when the query is the MAC %s, then that device is the first hit',
    async (q) => {
      expect((await search(q)).hits[0]).toMatchObject({ kind: 'device', id: ids.device, matched: { field: 'mac' } });
    },
  );

  test('when the name is typed without accents or capitals, then it finds the accented name', async () => {
    const { hits } = await search('helene dupre');
    expect(hits[0]).toMatchObject({ id: ids.helene, matched: { field: 'name' } });
  });

  test('when a word of 5 letters or more has one typo, then it still matches; a 4-letter word does not', async () => {
    // "marx" is one typo from "marc" but has 4 letters: no full match; the hits without it are marked partial.
    const marx = await search('dupont marx');
    expect(marx.partial).toEqual({ without: 'marx' });
    expect((await search('helene dupro')).hits[0]).toMatchObject({ id: ids.helene });
  });

  test('when a word of 9 letters or more has two typos, then it still matches', async () => {
    expect((await search('vilenueve')).hits.map((h) => h.title)).toContain('Christopher Villeneuve');
    expect((await search('christofer vileneuve')).hits[0]).toMatchObject({ title: 'Christopher Villeneuve' });
  });

  test('when two neighbouring letters are swapped, then it counts as one typo', async () => {
    expect((await search('heleen dupre')).hits[0]).toMatchObject({ id: ids.helene });
  });

  test('when the last word is incomplete, then it matches as a prefix', async () => {
    expect((await search('helene du')).hits[0]).toMatchObject({ id: ids.helene });
    expect((await search('boulang')).hits[0]).toMatchObject({ kind: 'org', id: ids.org });
  });

  test('when a word that is not the last is incomplete, then it matches only once moved last, as Meilisearch does', async () => {
    // The engine takes only the last word as a prefix (test/contract/search-index.contract.ts); the
    // search retries "hel dupre" as "dupre hel", a full match, not a partial one.
    const res = await search('hel dupre');
    expect(res.hits[0]).toMatchObject({ id: ids.helene });
    expect(res.partial).toBeUndefined();
  });

  test('when one word of the query matches nothing, then no hit is a full match: the others\' hits come marked partial', async () => {
    const res = await search('helene zzzzzz');
    expect(res.partial).toEqual({ without: 'zzzzzz' });
    expect(res.hits[0]).toMatchObject({ id: ids.helene });
  });

  test('when kind=device, then only devices are returned', async () => {
    const { hits } = await search('salle', '&kind=device');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.kind === 'device')).toBe(true);
  });

  test('when the query matches, then the hit names the field that matched', async () => {
    const { hits } = await search('rivoli');
    expect(hits[0]).toMatchObject({ id: ids.device, matched: { field: 'name', value: 'Salle Rivoli' } });
  });

  test('when the limit is out of range, then the API answers 400 naming the field', async () => {
    const res = await request(t.app).get('/api/v1/search?q=a&limit=1000').set('Authorization', `Bearer ${token}`).expect(400);
    expect(res.body.error.message).toContain('limit');
  });

  test('when a record of another partner matches the query, then it is never a hit', async () => {
    for (const q of ['Boulangerie Dupré', 'helene dupre', 'dupre-sud.example', 'dupresud.webex.com', 'WO-99999999',
      'FOC9999X9ZZ', '00:1A:2B:3C:4D:99', '+33612345679', 'helene@dupre-sud.example', 'salle rivoli', 'sud']) {
      const { hits } = await search(q);
      expect(hits.map((h) => h.subtitle + h.title).join('|')).not.toMatch(/Sud|dupre-sud|FOC9999/);
    }
  });
});

describe('search while the engine is down', () => {
  test('when the search engine fails, then exact identifiers still answer from the store and the answer says degraded', async () => {
    const t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    const org = f.org('p-north', { name: 'Acme' });
    await t.store.orgs.upsert(org);
    const u = await t.store.users.upsert(f.user(org.id, { email: 'jane@acme.example' }));
    await t.addAgent('p-north', 'agent@north.example');
    const token = await t.apiToken('agent@north.example');
    jest.spyOn(t.search, 'search').mockRejectedValue(new Error('engine down'));
    const get = (q: string) => request(t.app).get(`/api/v1/search?q=${encodeURIComponent(q)}`).set('Authorization', `Bearer ${token}`).expect(200);

    const byEmail = await get('JANE@acme.example');
    expect(byEmail.body).toMatchObject({ degraded: true, hits: [{ kind: 'user', id: u.id, matched: { field: 'email' } }] });
    expect((await get(org.id)).body.hits[0]).toMatchObject({ kind: 'org', id: org.id });
    expect((await get('jane')).body).toMatchObject({ degraded: true, hits: [] });
    await t.close();
  });
});
