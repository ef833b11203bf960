// The home page's "Recently opened": what the agent opened lately, kept in the store per agent.
import request from 'supertest';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';
import * as f from '../helpers/factories';

describe('recently opened records on the home page', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await buildTestApp();
    await f.savePartner(t.store, 'p-south');
    await f.saveAgent(t, { partnerId: 'p-north', email: 'agent@north.example' });
    await f.saveAgent(t, { partnerId: 'p-north', email: 'colleague@north.example' });
  });
  afterEach(() => t.close());

  /** The titles listed under "Recently opened", in order. */
  const recentTitles = (html: string): string[] => {
    const section = /<section class="recent[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    return [...section.matchAll(/<span class="hit-title">([^<]*)<\/span>/g)].map((m) => m[1]!);
  };
  const open = async (agent: ReturnType<typeof request.agent>, url: string) => {
    t.clock.advance(1000);
    await agent.get(url).expect(200);
  };

  test('when an agent opens a user, an org and a device, then the home page lists them newest first with links', async () => {
    const org = await f.saveOrg(t.store, { partnerId: 'p-north', name: 'Boulangerie Dupré' });
    const user = await f.saveUser(t.store, { orgId: org.id, firstName: 'Hélène', lastName: 'Dupré' });
    const device = await f.saveDevice(t.store, { orgId: org.id, displayName: 'Salle Rivoli' });
    const agent = await signIn(t.app, 'agent@north.example');

    await open(agent, `/users/${user.id}`);
    await open(agent, `/orgs/${org.id}`);
    await open(agent, `/devices/${device.id}`);
    await open(agent, `/users/${user.id}`);

    const home = await agent.get('/').expect(200);
    expect(recentTitles(home.text)).toEqual(['Hélène Dupré', 'Salle Rivoli', 'Boulangerie Dupré']);
    expect(home.text).toContain(`href="/devices/${device.id}"`);
  });

  test('when an agent opened more than ten records, then the ten latest are listed', async () => {
    const org = await f.saveOrg(t.store, { partnerId: 'p-north', name: 'Acme' });
    const agent = await signIn(t.app, 'agent@north.example');
    for (let i = 1; i <= 12; i++) {
      const user = await f.saveUser(t.store, { orgId: org.id, firstName: `Person${i}`, lastName: 'Acme' });
      await open(agent, `/users/${user.id}`);
    }
    const titles = recentTitles((await agent.get('/').expect(200)).text);
    expect(titles).toEqual(Array.from({ length: 10 }, (_, i) => `Person${12 - i} Acme`));
  });

  test('when the agent signs in from another browser, then the list follows them, and a colleague has their own', async () => {
    const org = await f.saveOrg(t.store, { partnerId: 'p-north', name: 'Acme' });
    await open(await signIn(t.app, 'agent@north.example'), `/orgs/${org.id}`);

    expect(recentTitles((await (await signIn(t.app, 'agent@north.example')).get('/')).text)).toEqual(['Acme']);
    expect(recentTitles((await (await signIn(t.app, 'colleague@north.example')).get('/')).text)).toEqual([]);
  });

  test('when an org the agent opened moved to another partner, or a record was deleted, then it is no longer listed', async () => {
    const moving = await f.saveOrg(t.store, { partnerId: 'p-north', name: 'Moving Org' });
    const org = await f.saveOrg(t.store, { partnerId: 'p-north', name: 'Staying Org' });
    const mover = await f.saveUser(t.store, { orgId: moving.id, firstName: 'Leaving', lastName: 'User' });
    const device = await f.saveDevice(t.store, { orgId: org.id, displayName: 'Scrapped Room' });
    const agent = await signIn(t.app, 'agent@north.example');
    await open(agent, `/orgs/${moving.id}`);
    await open(agent, `/users/${mover.id}`);
    await open(agent, `/devices/${device.id}`);
    await open(agent, `/orgs/${org.id}`);

    // The port has no transfer or delete of its own yet: the rows change as an org transfer and a
    // deletion from an import would leave them.
    const db = t.store.db;
    db.prepare("UPDATE orgs SET partner_id = 'p-south', data = json_set(data, '$.partnerId', 'p-south') WHERE id = ?").run(moving.id);
    db.prepare("UPDATE users SET partner_id = 'p-south', data = json_set(data, '$.partnerId', 'p-south') WHERE org_id = ?").run(moving.id);
    db.prepare('DELETE FROM devices WHERE id = ?').run(device.id);

    const home = await agent.get('/').expect(200);
    expect(recentTitles(home.text)).toEqual(['Staying Org']);
    for (const gone of ['Moving Org', 'Leaving User', 'Scrapped Room']) expect(home.text).not.toContain(gone);
  });

  test('when JavaScript is off, then the list is plain links in the page', async () => {
    const org = await f.saveOrg(t.store, { partnerId: 'p-north', name: 'Acme' });
    const agent = await signIn(t.app, 'agent@north.example');
    await open(agent, `/orgs/${org.id}`);
    const home = await agent.get('/').expect(200);
    expect(home.text).toMatch(new RegExp(`<h2 id="recent-h">Recently opened</h2>[\\s\\S]*<a class="hit" href="/orgs/${org.id}">`));
  });
});
