// An agent's call, in Chromium: sign in, find the caller by keyboard, email a code through a real
// SMTP server, type what the caller reads back, see "verified"; the same call in French. axe-core
// checks every page visited and no page may trip the Content-Security-Policy.
import type { Browser, Page } from 'playwright-core';
import { DEMO_IDS } from '../../src/demo/demo-data';
import en from '../../src/i18n/locales/en.json';
import fr from '../../src/i18n/locales/fr.json';
import * as f from '../helpers/factories';
import {
  PASSWORD, axeViolations, codeIn, openPage, screenshot, startBrowserSuite, type E2eApp, type InPageDocument, type TrackedPage,
} from './harness';

jest.setTimeout(60_000);

const AGENT = 'agent@northwind.example';
// Callers of our own, so the demo data's suppressed addresses do not stand in the way of a code.
const amelie = f.user(DEMO_IDS.dupreOrg, {
  firstName: 'Amélie', lastName: 'Poulain', displayName: 'Amélie Poulain', email: 'amelie.poulain@dupre.example',
  phone: '+33612340001', roles: ['support_admin'], licenses: ['MEET-ENT'], features: ['meetings', 'messaging'],
  supportContactFor: ['Webex Meetings'],
  lastEmail: { kind: 'welcome', status: 'delivered', at: '2024-02-01T09:12:00Z', detail: '250 2.0.0 OK' },
});
const etienne = f.user(DEMO_IDS.dupreOrg, {
  firstName: 'Étienne', lastName: 'Marchal', displayName: 'Étienne Marchal', email: 'etienne.marchal@dupre.example',
  phone: '+33612340002', licenses: ['MEET-ENT'], features: ['meetings'],
  lastEmail: { kind: 'activation', status: 'deferred', at: '2024-02-03T14:40:00Z', detail: '451 4.7.1 try again later' },
});

describe('an agent on a call, in the browser', () => {
  let app: E2eApp;
  let browser: Browser;
  const pages: TrackedPage[] = [];
  const axeFindings: string[] = [];

  const url = (p: string) => app.baseUrl + p;

  async function newPage(locale = 'en-US', javaScriptEnabled = true) {
    const tracked = await openPage(browser, { locale, javaScriptEnabled });
    pages.push(tracked);
    return tracked;
  }

  /** axe on the page as shown now; findings are gathered and asserted once per page and at the end. */
  async function checkA11y(page: Page) {
    const found = await axeViolations(page);
    // The same page in the dark theme (prefers-color-scheme), contrast included.
    await page.emulateMedia({ colorScheme: 'dark' });
    found.push(...(await axeViolations(page)).map((v) => `dark: ${v}`));
    await page.emulateMedia({ colorScheme: 'light' });
    axeFindings.push(...found);
    expect(found).toEqual([]);
  }

  /** Waits for the search box to hold the keyboard focus. */
  const searchBoxFocused = (page: Page) => page.waitForFunction(() => (globalThis as unknown as { document: InPageDocument }).document.activeElement?.id === 'q', undefined, { timeout: 5000 });

  async function signIn(page: Page, words: typeof en, a11y = true) {
    await page.goto(url('/'));
    await page.waitForURL(/\/login/);
    if (a11y) await checkA11y(page);
    await page.getByLabel(words['auth.email']).fill(AGENT);
    await page.getByLabel(words['auth.password']).fill(PASSWORD);
    await page.getByRole('button', { name: words['auth.signIn'] }).click();
    await page.waitForURL(url('/'));
  }

  beforeAll(async () => {
    ({ app, browser } = await startBrowserSuite({ users: [amelie, etienne], agents: [{ partnerId: 'p-north', email: AGENT }] }));
  });

  afterAll(async () => {
    await Promise.all(pages.map((p) => p.context.close()));
    await browser?.close();
    await app?.close();
  });

  afterEach(() => {
    for (const p of pages) expect(p.problems).toEqual([]);
  });

  test('when the agent signs in, searches by keyboard and verifies the caller by emailed code, then the page says verified', async () => {
    const { page } = await newPage();
    await page.goto(url('/login'));
    await screenshot(page, 'login');
    await signIn(page, en);

    // The search box has the focus on load, `/` brings it back, and Esc clears it.
    const box = page.getByRole('searchbox', { name: en['search.label'] });
    await searchBoxFocused(page);
    await page.getByRole('link', { name: en['app.name'] }).focus();
    await page.keyboard.press('/');
    await searchBoxFocused(page);
    await page.keyboard.type('dupre');
    await page.locator('[data-results] a.hit').first().waitFor();
    // Grouped by kind, organizations first, and each hit says which field matched.
    const groups = await page.locator('[data-results] .hit-group h2').allTextContents();
    expect(groups.slice(0, 2)).toEqual([en['search.orgs'], en['search.users']]);
    await page.locator('[data-results] mark').first().waitFor();
    await checkA11y(page);
    await screenshot(page, 'search');
    await page.keyboard.press('Escape');
    expect(await box.inputValue()).toBe('');
    expect(await page.locator('[data-results] a.hit').count()).toBe(0);

    // Arrows and Enter open the caller's page.
    await page.keyboard.type('amelie poulain');
    await page.locator(`[data-results] a.hit[href="/users/${amelie.id}"]`).waitFor();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (globalThis as unknown as { document: InPageDocument }).document.activeElement?.getAttribute('href'))).toBe(`/users/${amelie.id}`);
    await checkA11y(page);
    await page.keyboard.press('Enter');
    await page.waitForURL(url(`/users/${amelie.id}`));
    await page.getByRole('heading', { level: 1, name: 'Amélie Poulain' }).waitFor();
    await checkA11y(page);

    // Send code: the code goes by mail only; the agent types what the caller reads back.
    await page.getByRole('button', { name: en['user.sendCode'] }).click();
    await page.getByRole('status').filter({ hasText: 'Code sent to' }).waitFor();
    const mail = await app.smtp.waitForMessage(amelie.email);
    expect(mail.subject).toBe('Your verification code for the Northwind Partners help desk');
    const code = codeIn(mail);
    expect(await page.content()).not.toContain(code.replace(' ', ''));
    await checkA11y(page);
    await screenshot(page, 'user');
    await page.getByLabel(en['verification.codeLabel']).fill(code);
    await page.getByRole('button', { name: en['user.verify'] }).click();
    await page.getByRole('status').filter({ hasText: en['verification.notice.verified'] }).waitFor();
    expect(await page.locator('.verification .status').allTextContents()).toEqual([en['verification.status.verified']]);
    await checkA11y(page);
  });

  test('when the agent opens the org from the user page, then identity, license bars and plan are shown accessibly', async () => {
    const { page } = await newPage();
    await signIn(page, en);
    await page.goto(url(`/users/${amelie.id}`));
    await page.getByRole('link', { name: 'Boulangerie Dupré SARL' }).click();
    await page.waitForURL(url(`/orgs/${DEMO_IDS.dupreOrg}`));
    await page.getByRole('heading', { level: 1, name: 'Boulangerie Dupré SARL' }).waitFor();
    expect(await page.getByRole('meter', { name: 'Meetings Enterprise' }).getAttribute('value')).toBe('37');
    await checkA11y(page);
    await screenshot(page, 'org');

    // A page that does not exist is a calm error page, not a stack trace.
    const res = await page.goto(url('/users/00000000-0000-4000-8000-000000000000'));
    expect(res?.status()).toBe(404);
    await page.getByText(en['error.notFound']).waitFor();
    await checkA11y(page);
  });

  test('when JavaScript is off, then the plain search form still finds the caller', async () => {
    const { page } = await newPage('en-US', false);
    await signIn(page, en, false);
    await page.getByRole('searchbox', { name: en['search.label'] }).fill('amelie');
    await page.getByRole('button', { name: en['search.button'], exact: true }).click();
    await page.waitForURL(/\?q=amelie/);
    await page.getByRole('link', { name: /Amélie Poulain/ }).click();
    await page.waitForURL(url(`/users/${amelie.id}`));
    await page.getByRole('heading', { level: 1, name: 'Amélie Poulain' }).waitFor();

    // axe needs JavaScript, so the server-rendered hits are checked in a page that has it.
    const withJs = await newPage();
    await signIn(withJs.page, en);
    await withJs.page.goto(url('/?q=amelie'));
    await withJs.page.locator('[data-results] a.hit').first().waitFor();
    await checkA11y(withJs.page);
  });

  test('when the browser asks for French, then the whole call runs in French, and the switcher goes back to English', async () => {
    const { page } = await newPage('fr-FR');
    await signIn(page, fr);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await page.getByRole('searchbox', { name: fr['search.label'] }).waitFor();
    await page.keyboard.type('etienne marchal');
    await page.locator(`[data-results] a.hit[href="/users/${etienne.id}"]`).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(url(`/users/${etienne.id}`));
    await checkA11y(page);

    await page.getByRole('button', { name: fr['user.sendCode'] }).click();
    await page.getByRole('status').filter({ hasText: 'Code envoyé à' }).waitFor();
    const mail = await app.smtp.waitForMessage(etienne.email);
    expect(mail.subject).toBe('Votre code de vérification pour le support Northwind Partners');
    expect(mail.text).toContain('Bonjour Étienne,');
    await page.getByLabel(fr['verification.codeLabel']).fill(codeIn(mail));
    await page.getByRole('button', { name: fr['user.verify'] }).click();
    await page.getByRole('status').filter({ hasText: fr['verification.notice.verified'] }).waitFor();
    await checkA11y(page);
    await screenshot(page, 'user-fr');

    // The switcher keeps the agent on the same page, now in English, and remembers the choice.
    await page.getByRole('form', { name: fr['nav.language'] }).getByRole('button', { name: 'English' }).click();
    await page.waitForURL(url(`/users/${etienne.id}`));
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('.verification .status').allTextContents()).toEqual([en['verification.status.verified']]);
    await page.getByRole('button', { name: en['auth.signOut'] }).click();
    await page.waitForURL(/\/login/);
    await page.getByRole('button', { name: en['auth.signIn'] }).waitFor();
  });

  test('when the caller\'s address bounced, then the agent clears it from the suppression list and resends the welcome email', async () => {
    const { page } = await newPage();
    await signIn(page, en);
    await page.goto(url(`/users/${DEMO_IDS.dupreUser}`));
    const panel = page.getByRole('region', { name: en['user.lastEmail'] });
    await panel.getByText(en['suppression.listed']).waitFor();
    await checkA11y(page);
    await screenshot(page, 'user-suppressed');

    await panel.getByLabel(en['suppression.clear.reasonLabel']).fill('Caller fixed the mailbox, ticket 4711');
    await panel.getByRole('button', { name: en['user.clearSuppression'] }).click();
    await page.getByRole('status').filter({ hasText: en['suppression.notice.cleared'] }).waitFor();
    await panel.getByText(en['suppression.none']).waitFor();
    await checkA11y(page);

    await panel.getByRole('button', { name: en['user.resendWelcome'] }).click();
    await page.getByRole('status').filter({ hasText: 'Welcome email sent to' }).waitFor();
    const welcome = await app.smtp.waitForMessage('helene.dupre@dupre.example');
    expect(welcome.headers['x-helpdesk-kind']).toBe('welcome');
  });

  test('when every page was checked, then axe found no serious or critical violation anywhere', () => {
    expect(axeFindings).toEqual([]);
  });
});
