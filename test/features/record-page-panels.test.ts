// The user page and the org page show one card per panel of their list (src/features/users/user-page.ts,
// src/features/orgs/org-page.ts; src/http/page-panels.ts): for a record with data for every panel,
// each panel's landmark, heading and data are on the page, and the notice its last action left.
// The tables below are keyed by the page's panel model, so a new panel needs its row here too.
import * as f from '../helpers/factories';
import { buildTestApp, csrfFrom, signIn, type TestApp } from '../helpers/test-app';
import type { UserPagePanels } from '../../src/features/users/user-page';
import type { OrgPagePanels } from '../../src/features/orgs/org-page';

interface PanelOnPage { landmark: string; heading: string; shows: string[] }

const USER_PAGE: Record<keyof UserPagePanels, PanelOnPage> = {
  verification: {
    landmark: '<section class="panel verification" id="verification" aria-labelledby="verification-h">',
    heading: '<h2 id="verification-h">Caller verification</h2>',
    shows: ['Waiting for the code', 'Code sent to '],
  },
  email: {
    landmark: '<section class="panel email-state" id="email" aria-labelledby="email-h">',
    heading: '<h2 id="email-h">Last email</h2>',
    shows: ['This address is on the suppression list: no email is sent to it.', 'Clear from suppression list'],
  },
};

const ORG_PAGE: Record<keyof OrgPagePanels, PanelOnPage> = {
  consent: {
    landmark: '<section class="panel" id="consent" aria-labelledby="consent-h">',
    heading: '<h2 id="consent-h">Read-only access</h2>',
    shows: ['Access requested. The organization’s admins were emailed.', 'The customer has not granted read-only access.'],
  },
};

describe('the record pages show every panel of their list', () => {
  let t: TestApp;
  const org = f.org('p-north', { name: 'Boulangerie Dupré' });
  const admin = f.user(org.id, { firstName: 'Hélène', lastName: 'Dupré', email: 'helene@dupre.example', roles: ['full_admin'] });
  const caller = f.user(org.id, { firstName: 'Marc', lastName: 'Petit', email: 'marc.petit@dupre.example' });

  beforeAll(async () => {
    t = await buildTestApp();
    await t.store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await t.store.orgs.upsert(org);
    await t.store.users.upsert(admin);
    await t.store.users.upsert(caller);
    await t.addAgent('p-north', 'agent@north.example');
  });
  afterAll(() => t.close());

  test('when a user has a code sent and a suppressed address, then the user page shows the verification and email panels with their data', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const first = await agent.get(`/users/${caller.id}`).expect(200);
    await agent.post(`/users/${caller.id}/verifications`).type('form').send({ _csrf: csrfFrom(first.text) }).expect(303);
    await t.store.suppressions.upsert({ email: caller.email, reason: 'hard_bounce', since: t.clock.now().toISOString(), detail: '550 5.1.1 mailbox unavailable' });

    const page = await agent.get(`/users/${caller.id}`).expect(200);
    for (const [name, panel] of Object.entries(USER_PAGE)) {
      for (const text of [panel.landmark, panel.heading, ...panel.shows]) {
        expect({ panel: name, onPage: page.text.includes(text) }).toEqual({ panel: name, onPage: true });
      }
    }
    // The card order of the page: verification, then email.
    expect(page.text.indexOf('id="verification"')).toBeLessThan(page.text.indexOf('id="email"'));
  });

  test('when access was requested, then the org page shows the consent panel with the notice', async () => {
    const agent = await signIn(t.app, 'agent@north.example');
    const first = await agent.get(`/orgs/${org.id}`).expect(200);
    await agent.post(`/orgs/${org.id}/access-requests`).type('form')
      .send({ _csrf: csrfFrom(first.text), reason: 'Ticket 4411: the caller cannot sign in' }).expect(303);

    const page = await agent.get(`/orgs/${org.id}`).expect(200);
    for (const [name, panel] of Object.entries(ORG_PAGE)) {
      for (const text of [panel.landmark, panel.heading, ...panel.shows]) {
        expect({ panel: name, onPage: page.text.includes(text) }).toEqual({ panel: name, onPage: true });
      }
    }
  });
});
