// Consent across two people, in Chromium: the agent finds no access and may ask for it; the customer's
// admin signs in by the magic link that arrives at a real SMTP server and grants read-only access;
// the agent then enters the read-only view, whose banner counts down to the grant's end.
import type { Browser, Page } from 'playwright-core';
import { DEMO_IDS } from '../../src/demo/demo-data';
import en from '../../src/i18n/locales/en.json';
import * as f from '../helpers/factories';
import {
  PASSWORD, axeViolations, openPage, screenshot, startBrowserSuite, type E2eApp, type InPageDocument, type TrackedPage,
} from './harness';

jest.setTimeout(60_000);

const AGENT = 'agent@northwind.example';
const ORG_NAME = 'Boulangerie Dupré SARL';
const camille = f.user(DEMO_IDS.dupreOrg, {
  firstName: 'Camille', lastName: 'Roux', displayName: 'Camille Roux', email: 'camille.roux@dupre.example',
  roles: ['full_admin'], licenses: ['MEET-ENT'],
});

/** The English words of a control; a key the locale file lacks fails here, by name. */
function word(key: string, params: Record<string, string> = {}): string {
  const text = (en as Record<string, string>)[key];
  if (text === undefined) throw new Error(`no "${key}" in en.json`);
  return text.replace(/\{(\w+)\}/g, (m, k: string) => params[k] ?? m);
}

describe('read-only access granted by the customer, used by the agent', () => {
  let app: E2eApp;
  let browser: Browser;
  const pages: TrackedPage[] = [];
  const url = (p: string) => app.baseUrl + p;

  /** axe on the page in the light theme, then in the dark one (prefers-color-scheme), contrast included. */
  async function checkA11y(page: Page) {
    expect(await axeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  async function newPage() {
    const tracked = await openPage(browser);
    pages.push(tracked);
    return tracked.page;
  }

  beforeAll(async () => {
    ({ app, browser } = await startBrowserSuite({ users: [camille], agents: [{ partnerId: 'p-north', email: AGENT }] }));
  });

  afterAll(async () => {
    await Promise.all(pages.map((p) => p.context.close()));
    await browser?.close();
    await app?.close();
  });

  afterEach(() => {
    for (const p of pages) expect(p.problems).toEqual([]);
  });

  test('when the customer admin grants access by magic link, then the agent enters the read-only view with a countdown', async () => {
    const agent = await newPage();
    await agent.goto(url('/login'));
    await agent.getByLabel(word('auth.email')).fill(AGENT);
    await agent.getByLabel(word('auth.password')).fill(PASSWORD);
    await agent.getByRole('button', { name: word('auth.signIn') }).click();
    await agent.waitForURL(url('/'));

    // No grant yet: the org page offers Request access, not the read-only view.
    await agent.goto(url(`/orgs/${DEMO_IDS.dupreOrg}`));
    await agent.getByRole('button', { name: word('consent.requestAccess') }).waitFor();
    expect(await agent.getByRole('link', { name: word('consent.viewAs', { org: ORG_NAME }) }).count()).toBe(0);
    await checkA11y(agent);

    // The customer's admin asks for a sign-in link and follows it from the mail.
    const customer = await newPage();
    await customer.goto(url('/customer/login'));
    await checkA11y(customer);
    await customer.getByLabel(word('auth.email')).fill(camille.email);
    await customer.getByRole('button', { name: word('customer.signIn.send') }).click();
    const mail = await app.smtp.waitForMessage(camille.email);
    const link = /\/customer\/login\/[\w-]+/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    await customer.goto(url(link!));
    await checkA11y(customer);
    await customer.getByRole('button', { name: word('customer.confirm.button', { org: ORG_NAME }) }).click();
    await customer.waitForURL(url('/customer'));
    await checkA11y(customer);
    await customer.getByRole('button', { name: word('consent.grant') }).click();
    await customer.getByRole('button', { name: word('consent.revoke') }).waitFor();
    await checkA11y(customer);
    await screenshot(customer, 'customer-portal');

    // The agent now views the org as a read-only admin, after giving a reason.
    await agent.reload();
    await agent.getByRole('link', { name: word('consent.viewAs', { org: ORG_NAME }) }).click();
    await agent.getByLabel(word('consent.reasonLabel')).fill('Ticket 4711: caller cannot see the recordings');
    await checkA11y(agent);
    await agent.getByRole('button', { name: word('readOnlyView.reason.enter') }).click();
    // The reason is posted to /portal-entry, which answers with a redirect to the view itself.
    await agent.waitForURL(url(`/orgs/${DEMO_IDS.dupreOrg}/portal`));
    const banner = agent.locator('[data-grant-countdown]');
    const first = await banner.textContent();
    await agent.waitForFunction((before) => (globalThis as unknown as { document: InPageDocument }).document
      .querySelector('[data-grant-countdown]')?.textContent !== before, first, { timeout: 3000 });
    expect(await agent.locator('main form').count()).toBe(0);
    await checkA11y(agent);
    await screenshot(agent, 'portal');
  });
});
