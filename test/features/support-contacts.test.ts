// Named support contacts: per org and product, at most the tier's quota, only users of
// that org, managed by a principal pinned to the org (the customer admin), read by agents.
import { ManualClock } from '../../src/clock';
import { AppError } from '../../src/errors';
import { createSupportService, type SupportService } from '../../src/features/support/support.service';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import type { Org, SupportTier } from '../../src/store/store';
import * as f from '../helpers/factories';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';
import { portalCsrf, signInCustomer } from '../helpers/customer';
import { TestSmtpServer } from '../helpers/smtp-server';
import { buildTestApp, signIn, type TestApp } from '../helpers/test-app';

const PRODUCTS = {
  orders: [{ number: 'WO-1', product: 'Webex Meetings', status: 'provisioned', date: '2025-01-01' }],
  subscriptions: [{ id: 'Sub-1', plan: 'Flex Plan', status: 'active', start: '2025-01-01', end: '2030-01-01',
    licenses: [{ sku: 'MEET-ENT', name: 'Meetings Enterprise', quantity: 50, used: 10 },
      { sku: 'CALL-PRO', name: 'Calling Professional', quantity: 20, used: 5 }] }],
};

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('named support contacts', () => {
  let store: EmbeddedStore;
  let support: SupportService;

  beforeEach(async () => {
    store = new EmbeddedStore(':memory:');
    support = createSupportService(store, new ManualClock('2026-01-14T10:00:00Z'));
    await store.partners.upsert({ id: 'p-north', name: 'Northwind' });
    await store.partners.upsert({ id: 'p-south', name: 'Southwind' });
  });
  afterEach(() => store.close());

  async function orgWithUsers(tier: SupportTier, users: number, partnerId = 'p-north'): Promise<{ org: Org; userIds: string[] }> {
    const org = await f.saveOrg(store, { partnerId, ...PRODUCTS, supportPlan: { tier, region: 'emea' } });
    const userIds: string[] = [];
    for (let n = 0; n < users; n++) {
      userIds.push((await f.saveUser(store, { orgId: org.id, firstName: `User${String(n).padStart(2, '0')}` })).id);
    }
    return { org, userIds };
  }

  const admin = (org: Org) => ({ partnerId: org.partnerId, orgId: org.id });

  test.each([['online', 4], ['business', 6], ['enterprise', 10], ['elite', 15]] as Array<[SupportTier, number]>)(
    'when an org on the %s tier names contacts for a product, then %i are accepted and the next one is refused',
    async (tier, quota) => {
      const { org, userIds } = await orgWithUsers(tier, quota + 1);
      for (const id of userIds.slice(0, quota)) await support.addContact(admin(org), id, 'Webex Meetings');

      const err = await rejection(support.addContact(admin(org), userIds[quota], 'Webex Meetings'));

      expect(err).toMatchObject({ code: 'conflict', status: 409 });
      expect(err.message).toContain('Webex Meetings');
      expect(err.message).toContain(`${quota} named support contacts`);
      expect(err.message).toContain(tier);
      const meetings = (await support.contacts(admin(org), org.id)).find((p) => p.product === 'Webex Meetings');
      expect(meetings).toMatchObject({ count: quota, quota, over: false });
    },
  );

  test('when the 5th contact is named on an online org, then the error names the product, the quota and the tier', async () => {
    const { org, userIds } = await orgWithUsers('online', 5);
    for (const id of userIds.slice(0, 4)) await support.addContact(admin(org), id, 'Webex Meetings');

    const err = await rejection(support.addContact(admin(org), userIds[4], 'Webex Meetings'));

    expect(err.message).toBe('Webex Meetings already has 4 named support contacts, the most the online tier allows. Remove one first.');
  });

  test('when one product is full, then another product of the same org still takes contacts', async () => {
    const { org, userIds } = await orgWithUsers('online', 5);
    for (const id of userIds.slice(0, 4)) await support.addContact(admin(org), id, 'Webex Meetings');

    const after = await support.addContact(admin(org), userIds[4], 'Webex Calling');

    expect(after.find((p) => p.product === 'Webex Calling')).toMatchObject({ count: 1, quota: 4 });
  });

  test('when a contact is removed from a full product, then the freed place can be taken', async () => {
    const { org, userIds } = await orgWithUsers('online', 5);
    for (const id of userIds.slice(0, 4)) await support.addContact(admin(org), id, 'Webex Meetings');

    await support.removeContact(admin(org), userIds[0], 'Webex Meetings');
    const after = await support.addContact(admin(org), userIds[4], 'Webex Meetings');

    const meetings = after.find((p) => p.product === 'Webex Meetings')!;
    expect(meetings.count).toBe(4);
    expect(meetings.contacts.map((c) => c.userId)).not.toContain(userIds[0]);
    expect((await store.users.get('p-north', userIds[0]))!.supportContactFor).toEqual([]);
  });

  test('when the same user is named twice, then it counts once', async () => {
    const { org, userIds } = await orgWithUsers('online', 1);
    await support.addContact(admin(org), userIds[0], 'Webex Meetings');
    const after = await support.addContact(admin(org), userIds[0], 'Webex Meetings');
    expect(after.find((p) => p.product === 'Webex Meetings')!.count).toBe(1);
  });

  test('when several additions race for the last place, then exactly one gets it', async () => {
    const { org, userIds } = await orgWithUsers('online', 6);
    for (const id of userIds.slice(0, 3)) await support.addContact(admin(org), id, 'Webex Meetings');

    const results = await Promise.allSettled(userIds.slice(3).map((id) => support.addContact(admin(org), id, 'Webex Meetings')));

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await store.supportContacts.listByOrg('p-north', org.id)).filter((c) => c.product === 'Webex Meetings')).toHaveLength(4);
  });

  test('when the user belongs to another org, of the same partner or another, then it is not found', async () => {
    const { org } = await orgWithUsers('elite', 0);
    const { userIds: samePartnerOther } = await orgWithUsers('elite', 1);
    const { userIds: otherPartner } = await orgWithUsers('elite', 1, 'p-south');

    for (const id of [...samePartnerOther, ...otherPartner, 'no-such-user']) {
      expect(await rejection(support.addContact(admin(org), id, 'Webex Meetings'))).toMatchObject({ status: 404 });
    }
    expect(await store.supportContacts.add('p-north', org.id, otherPartner[0], 'Webex Meetings', 15)).toBe('no_such_user');
    expect(await support.contacts(admin(org), org.id)).toEqual(expect.arrayContaining([
      expect.objectContaining({ product: 'Webex Meetings', count: 0 }),
    ]));
  });

  test('when the product is not one of the org\'s, then it is refused as invalid', async () => {
    const { org, userIds } = await orgWithUsers('elite', 1);
    expect(await rejection(support.addContact(admin(org), userIds[0], 'Webex Contact Center'))).toMatchObject({ code: 'invalid', status: 400 });
  });

  test('when a principal pinned to one org reads or manages another, then that org is not found', async () => {
    const { org: mine } = await orgWithUsers('business', 0);
    const { org: theirs, userIds } = await orgWithUsers('business', 1);

    expect(await rejection(support.contacts(admin(mine), theirs.id))).toMatchObject({ status: 404 });
    expect(await rejection(support.addContact(admin(mine), userIds[0], 'Webex Meetings'))).toMatchObject({ status: 404 });
    expect(await rejection(support.contacts({ partnerId: 'p-south' }, theirs.id))).toMatchObject({ status: 404 });
  });

  test('when users are imported with supportContactFor, then they are the contacts listed and counted', async () => {
    const { org } = await orgWithUsers('online', 0);
    for (const name of ['Ann', 'Bob', 'Cid', 'Dee', 'Eve']) {
      await f.saveUser(store, { orgId: org.id, firstName: name, supportContactFor: ['Webex Meetings'] });
    }

    const meetings = (await support.contacts({ partnerId: 'p-north' }, org.id)).find((p) => p.product === 'Webex Meetings')!;

    // The platform is the source of the import: more than the quota is shown as such, not dropped.
    expect(meetings).toMatchObject({ count: 5, quota: 4, over: true });
    expect(meetings.contacts.map((c) => c.displayName)).toEqual(['Ann Doe', 'Bob Doe', 'Cid Doe', 'Dee Doe', 'Eve Doe']);
  });

  test('when a contact is added, then the change is recorded for the search index like any user change', async () => {
    const { org, userIds } = await orgWithUsers('online', 1);
    const before = await store.changes.latestSeq();
    await support.addContact(admin(org), userIds[0], 'Webex Meetings');
    expect(await store.changes.listAfter(before, 10)).toEqual([expect.objectContaining({ entity: 'user', id: userIds[0] })]);
  });
});

describe('named support contacts through the app', () => {
  test('when an agent opens the org through the API, then each product lists its contacts with the tier\'s quota', async () => {
    const t = await buildTestApp();
    try {
      const org = await f.saveOrg(t.store, { partnerId: 'p-north', ...PRODUCTS, supportPlan: { tier: 'enterprise', region: 'emea' } });
      const helene = await f.saveUser(t.store, { orgId: org.id, firstName: 'Hélène', supportContactFor: ['Webex Meetings'] });
      await f.saveAgent(t, { partnerId: 'p-north', email: 'agent@north.example' });
      const agent = await signIn(t.app, 'agent@north.example');

      const res = await agent.get(`/api/v1/orgs/${org.id}`).expect(200);

      expect(res.body.supportContacts).toEqual([
        { product: 'Webex Calling', quota: 10, count: 0, over: false, contacts: [] },
        { product: 'Webex Meetings', quota: 10, count: 1, over: false,
          contacts: [{ userId: helene.id, displayName: 'Hélène Doe', email: helene.email }] },
      ]);
      const page = await agent.get(`/orgs/${org.id}`).expect(200);
      expect(page.text).toContain('1 of 10');
      expect(page.text).toContain('0 of 10');
    } finally {
      await t.close();
    }
  });
});

describe('named support contacts in the customer portal', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let org: Org;
  let adminId: string;
  let userIds: string[];
  let customer: Awaited<ReturnType<typeof signInCustomer>>;

  beforeEach(async () => {
    smtp = await TestSmtpServer.start();
    t = await buildTestApp({ mailer: () => new SmtpMailer({ url: smtp.url, from: 'helpdesk@north.example' }) });
    org = await f.saveOrg(t.store, { partnerId: 'p-north', ...PRODUCTS, supportPlan: { tier: 'online', region: 'emea' } });
    adminId = (await f.saveUser(t.store, { orgId: org.id, firstName: 'Hélène', lastName: 'Dupré', email: 'helene@dupre.example', roles: ['full_admin'] })).id;
    userIds = [];
    for (const name of ['Ann', 'Bob', 'Cid', 'Dee', 'Eve']) userIds.push((await f.saveUser(t.store, { orgId: org.id, firstName: name })).id);
    customer = await signInCustomer(t.app, smtp, 'helene@dupre.example');
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  /** A form of the contacts section, posted with the portal's CSRF token; the portal page shown after it. */
  async function post(url: string, form: Record<string, string>) {
    const res = await customer.post(url).type('form').send({ ...form, _csrf: await portalCsrf(customer) });
    const page = res.status === 303 ? (await customer.get('/customer').expect(200)).text.split('id="support-contacts"')[1] : '';
    return { res, page };
  }
  const add = (userId: string, product = 'Webex Meetings') => post('/customer/support-contacts', { userId, product });
  const events = async (action: string) => (await t.store.audit.query({ partnerId: 'p-north', action, limit: 20, offset: 0 })).events;

  test('when the customer admin opens the portal, then each product shows n of the quota, with an add form of the org\'s users and products', async () => {
    await t.store.users.upsert({ ...(await t.store.users.get('p-north', userIds[0]))!, supportContactFor: ['Webex Meetings'] });

    const section = (await customer.get('/customer').expect(200)).text.split('id="support-contacts"')[1];

    expect(section).toContain('Named support contacts');
    expect(section).toMatch(/Webex Calling <span class="badge">0 of 4/);
    expect(section).toMatch(/Webex Meetings <span class="badge">1 of 4/);
    expect(section).toContain('action="/customer/support-contacts/remove"');
    expect(section).toContain(`<input type="hidden" name="userId" value="${userIds[0]}">`);
    expect(section).toContain('action="/customer/support-contacts"');
    for (const id of [adminId, ...userIds]) expect(section).toContain(`<option value="${id}">`);
    expect(section).toContain('<option value="Webex Calling">');
  });

  test('when the customer admin adds and removes a contact, then the portal shows it and each change is audited with product and user', async () => {
    const added = await add(userIds[1]);
    expect(added.res.headers.location).toBe('/customer#support-contacts');
    expect(added.page).toContain('Named support contact added for Webex Meetings.');
    expect(added.page).toMatch(/Webex Meetings <span class="badge">1 of 4/);
    expect((await t.store.users.get('p-north', userIds[1]))!.supportContactFor).toEqual(['Webex Meetings']);

    const removed = await post('/customer/support-contacts/remove', { userId: userIds[1], product: 'Webex Meetings' });
    expect(removed.page).toContain('Named support contact removed for Webex Meetings.');
    expect((await t.store.users.get('p-north', userIds[1]))!.supportContactFor).toEqual([]);

    for (const action of ['support_contact.add', 'support_contact.remove']) {
      expect(await events(action)).toEqual([expect.objectContaining({
        actorId: adminId, actorRole: 'customer_admin', orgId: org.id, subject: `user:${userIds[1]}`,
        detail: { product: 'Webex Meetings', userId: userIds[1] },
      })]);
    }
  });

  test('when the product\'s quota is reached, then one more is refused with a notice naming the product and the quota, and nothing changes', async () => {
    for (const id of userIds.slice(0, 4)) await add(id);

    const refused = await add(userIds[4]);

    expect(refused.res.status).toBe(303);
    expect(refused.page).toContain('Not added: Webex Meetings already has 4 named support contacts, the most your support plan allows. Remove one first.');
    expect((await t.store.users.get('p-north', userIds[4]))!.supportContactFor).toEqual([]);
    expect(await events('support_contact.add')).toHaveLength(4);
  });

  test('when the customer admin names a user of another org, then the answer is 404 and nothing changes', async () => {
    const other = await f.saveOrg(t.store, { partnerId: 'p-north', ...PRODUCTS });
    const stranger = await f.saveUser(t.store, { orgId: other.id, firstName: 'Stranger' });

    for (const url of ['/customer/support-contacts', '/customer/support-contacts/remove']) {
      const res = await customer.post(url).type('form').send({ userId: stranger.id, product: 'Webex Meetings', _csrf: await portalCsrf(customer) });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('Stranger');
    }
    expect((await t.store.users.get('p-north', stranger.id))!.supportContactFor).toEqual([]);
    expect([...await events('support_contact.add'), ...await events('support_contact.remove')]).toEqual([]);
  });

  test('when the form names no user or a product the org does not have, then a notice asks again and nothing changes', async () => {
    expect((await post('/customer/support-contacts', { userId: '', product: 'Webex Meetings' })).page)
      .toContain('Choose a user and one of your organization’s products.');
    expect((await add(userIds[0], 'Webex Contact Center')).page).toContain('Choose a user and one of your organization’s products.');
    expect((await t.store.users.get('p-north', userIds[0]))!.supportContactFor).toEqual([]);
  });
});
