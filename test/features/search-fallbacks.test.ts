// When every word must match and nothing has them all, the agent still gets something useful: the
// same words with a half-typed first name moved last, or the hits without the word that matched
// nothing, marked as partial. Never another partner's records.
import request from 'supertest';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

describe('search when not every word matches', () => {
  let t: TestApp;
  let token: string;
  const api = (q: string) => request(t.app).get(`/api/v1/search?q=${encodeURIComponent(q)}`).set('Authorization', `Bearer ${token}`).expect(200);
  const titles = (body: { hits: Array<{ title: string }> }) => body.hits.map((h) => h.title);

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.partners.upsert({ id: 'p-south', name: 'Southwind' });
    const north = f.org('p-north', { name: 'Boulangerie Dupré' });
    const south = f.org('p-south', { name: 'Boulangerie Dupont' });
    await t.store.orgs.upsert(north);
    await t.store.orgs.upsert(south);
    await t.store.users.upsert(f.user(north.id, { firstName: 'Harry', lastName: 'Walker', displayName: 'Harry Walker', email: 'harry@dupre.example' }));
    await t.store.users.upsert(f.user(north.id, { firstName: 'Amelia', lastName: 'Jones', displayName: 'Amelia Jones', email: 'amelia@dupre.example' }));
    await t.sync();
    await t.addAgent('p-north', 'agent@north.example');
    token = await t.apiToken('agent@north.example');
  });
  afterAll(() => t.close());

  test.each([['Harr Walker', 'Harry Walker'], ['Ame Jones', 'Amelia Jones']])(
    'when a first name typed half way comes before a full last name (%s), then %s is found, as a full match',
    async (q, name) => {
      const res = await api(q);
      expect(titles(res.body)).toContain(name);
      expect(res.body.partial).toBeUndefined();
    },
  );

  test('when one word matches nothing (Boulangerie Dupont at Northwind), then the hits without it show, marked partial, and never Southwind\'s Dupont', async () => {
    const res = await api('Boulangerie Dupont');
    expect(titles(res.body)).toContain('Boulangerie Dupré');
    expect(titles(res.body)).not.toContain('Boulangerie Dupont');
    expect(res.body.partial).toEqual({ without: 'Dupont' });
    const agent = await signIn(t.app, 'agent@north.example');
    const page = await agent.get(`/?q=${encodeURIComponent('Boulangerie Dupont')}`).expect(200);
    expect(page.text).toContain('No result has every word: showing results without “Dupont”.');
    const fr = await agent.get(`/?q=${encodeURIComponent('Boulangerie Dupont')}`).set('Accept-Language', 'fr').expect(200);
    expect(fr.text).toContain('Aucun résultat ne contient tous les mots : résultats sans « Dupont ».');
  });

  test('when every word matches, or a single word matches nothing, then nothing is marked partial', async () => {
    expect((await api('Boulangerie Dupré')).body.partial).toBeUndefined();
    const none = await api('Zyxwvut');
    expect(none.body.hits).toEqual([]);
    expect(none.body.partial).toBeUndefined();
  });
});
