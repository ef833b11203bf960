// The 403 page an agent gets for an org that has not granted read-only access: it says what a
// request will do, which depends on whether any of the org's full admins can be emailed.
import * as f from '../helpers/factories';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

const PARTNER = { id: 'p-north', name: 'Northwind Partners' };
const AGENT = 'agent@north.example';

describe('the no-access (403) page', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert(PARTNER);
    await t.addAgent(PARTNER.id, AGENT);
  });
  afterAll(() => t.close());

  async function orgWithAdmins(name: string, emails: Array<{ email: string; suppressed?: 'hard_bounce' | 'complaint' }>) {
    const org = f.org(PARTNER.id, { name });
    await t.store.orgs.upsert(org);
    for (const { email, suppressed } of emails) {
      await t.store.users.upsert(f.user(org.id, { email, roles: ['full_admin'] }));
      if (suppressed) await t.store.suppressions.upsert({ email, reason: suppressed, since: '2024-04-02T08:01:00.000Z', detail: '550 5.1.1' });
    }
    // A read-only admin gets no request mail whatever its address: it does not count.
    await t.store.users.upsert(f.user(org.id, { email: `reader@${org.id}.example`, roles: ['read_only_admin'] }));
    return org;
  }

  test('when an admin can be emailed, then the page says the admins get an email', async () => {
    const org = await orgWithAdmins('Reachable SA', [{ email: 'ok@reachable.example' }, { email: 'gone@reachable.example', suppressed: 'hard_bounce' }]);
    const agent = await signIn(t.app, AGENT);
    const page = await agent.get(`/orgs/${org.id}/portal`).expect(403);
    expect(page.text).toContain('they get an email and answer in their customer portal');
  });

  test('when every full admin\'s address is on the suppression list, then the page does not promise an email and says what to do', async () => {
    const org = await orgWithAdmins('Unreachable SA', [
      { email: 'bounced@unreachable.example', suppressed: 'hard_bounce' }, { email: 'complained@unreachable.example', suppressed: 'complaint' },
    ]);
    const agent = await signIn(t.app, AGENT);
    const page = await agent.get(`/orgs/${org.id}/portal`).expect(403);
    expect(page.text).not.toContain('they get an email');
    expect(page.text).toContain('None of its admins can be emailed');
    expect(page.text).toContain('clear their address from the suppression list');
    const fr = await agent.get(`/orgs/${org.id}/portal`).set('Accept-Language', 'fr').expect(403);
    expect(fr.text).toContain('Aucun de ses administrateurs ne peut recevoir d’e-mail');
  });

  test('when the org has no full admin, then the page says a request reaches no one until the customer names one', async () => {
    const org = await orgWithAdmins('Headless SA', []);
    const agent = await signIn(t.app, AGENT);
    const page = await agent.get(`/orgs/${org.id}/portal`).expect(403);
    expect(page.text).not.toContain('they get an email');
    expect(page.text).toContain('It has no full admin');
  });
});
