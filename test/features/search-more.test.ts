// Results past the first page: when the search caps its hits, the agent is told so and can see more.
import request from 'supertest';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

describe('results past the first page', () => {
  let t: TestApp;
  let token: string;
  let agent: Awaited<ReturnType<typeof signIn>>;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    const org = f.org('p-north', { name: 'Umbrella Holdings' });
    await t.store.orgs.upsert(org);
    for (let i = 1; i <= 45; i++) {
      await t.store.users.upsert(f.user(org.id, { firstName: 'Zebulon', lastName: `Number${i}`, email: `zebulon${i}@umbrella.example` }));
    }
    for (let i = 1; i <= 120; i++) {
      await t.store.users.upsert(f.user(org.id, { firstName: 'Quillon', lastName: `Number${i}`, email: `quillon${i}@umbrella.example` }));
    }
    await t.store.users.upsert(f.user(org.id, { firstName: 'Ximena', lastName: 'Solo', email: 'ximena@umbrella.example' }));
    await t.sync();
    await t.addAgent('p-north', 'agent@north.example');
    token = await t.apiToken('agent@north.example');
    agent = await signIn(t.app, 'agent@north.example');
  });
  afterAll(() => t.close());

  const hitsOn = (html: string) => (html.match(/<a class="hit" href="\/users\//g) ?? []).length;

  test('when a search finds more than the page shows, then the page says "showing 30 of 45" with a link to more', async () => {
    const page = await agent.get('/?q=zebulon').expect(200);
    expect(hitsOn(page.text)).toBe(30);
    expect(page.text).toContain('Showing 30 of 45 results.');
    expect(page.text).toContain('<a href="/?q=zebulon&amp;limit=60">Show more results</a>');

    const more = await agent.get('/?q=zebulon&limit=60').expect(200);
    expect(hitsOn(more.text)).toBe(45);
    expect(more.text).not.toContain('Showing');
  });

  test('when a search finds more than can ever be shown, then the page says so and asks to narrow it', async () => {
    const page = await agent.get('/?q=quillon&limit=100').expect(200);
    expect(hitsOn(page.text)).toBe(100);
    expect(page.text).toContain('Showing 100 of 100 or more results.');
    expect(page.text).toContain('add a word to narrow the search');
    expect((await agent.get('/?q=quillon').expect(200)).text).toContain('Showing 30 of 100 or more results.');
  });

  test('when everything found fits, then no count or link is shown', async () => {
    const page = await agent.get('/?q=ximena').expect(200);
    expect(hitsOn(page.text)).toBe(1);
    expect(page.text).not.toContain('data-search-more');
  });

  test('when the agent reads in French, then the count is in French', async () => {
    const page = await agent.get('/?q=zebulon').set('Accept-Language', 'fr').expect(200);
    expect(page.text).toContain('30 résultats affichés sur 45.');
  });

  test('when an integration asks the API for fewer hits than there are, then the answer says there are more', async () => {
    const search = (q: string) => request(t.app).get(`/api/v1/search?${q}`).set('Authorization', `Bearer ${token}`).expect(200);
    const capped = await search('q=zebulon&limit=10');
    expect(capped.body.hits).toHaveLength(10);
    expect(capped.body.more).toBe(true);
    const all = await search('q=zebulon&limit=50');
    expect(all.body.hits).toHaveLength(45);
    expect(all.body.more).toBe(false);
    expect(all.body).not.toHaveProperty('found');
  });
});
