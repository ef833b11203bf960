// The call workspace by keyboard alone, in Chromium: `/` to search from any page, `?` for the list of
// shortcuts, `g o` to the org, none of them while typing; copy buttons reached by Tab and pressed by
// Enter or Space put the value on the clipboard; times in the browser's time zone (Tokyo here);
// the dark theme passes axe (contrast included) and the print stylesheet drops navigation and buttons.
import type { Browser, Page } from 'playwright-core';
import { DEMO_IDS } from '../../src/demo/demo-data';
import en from '../../src/i18n/locales/en.json';
import * as f from '../helpers/factories';
import { PASSWORD, axeViolations, launchChromium, openPage, startE2eApp, type E2eApp, type TrackedPage } from './harness';

jest.setTimeout(60_000);

const AGENT = 'agent@northwind.example';
const caller = f.user(DEMO_IDS.dupreOrg, {
  firstName: 'Margot', lastName: 'Lefèvre', displayName: 'Margot Lefèvre', email: 'margot.lefevre@dupre.example',
  phone: '+33612340009', sipAddress: 'margot@dupre.webex.com',
  lastEmail: { kind: 'welcome', status: 'delivered', at: '2024-02-01T09:12:00Z', detail: '250 2.0.0 OK' },
});

/** What a callback run in the page sees (typed by hand: the project has no DOM lib). */
interface Doc {
  activeElement: { id: string; tagName: string; getAttribute(name: string): string | null; value?: string } | null;
  documentElement: object;
}
type InPage = { document: Doc; navigator: { clipboard: { readText(): Promise<string> } }; getComputedStyle(el: object): { backgroundColor: string } };

describe('the call workspace by keyboard, in the browser', () => {
  let app: E2eApp;
  let browser: Browser;
  const pages: TrackedPage[] = [];
  const url = (p: string) => app.baseUrl + p;

  async function signedIn(options: Parameters<typeof openPage>[1] = {}) {
    const tracked = await openPage(browser, options);
    pages.push(tracked);
    const { page } = tracked;
    await page.goto(url('/login'));
    await page.getByLabel(en['auth.email']).fill(AGENT);
    await page.getByLabel(en['auth.password']).fill(PASSWORD);
    // The home page tells the server the browser's time zone once, right after sign-in.
    const told = page.waitForResponse((res) => res.url().endsWith('/prefs/time-zone'));
    await page.getByRole('button', { name: en['auth.signIn'] }).click();
    await page.waitForURL(url('/'));
    expect((await told).status()).toBe(204);
    return page;
  }

  const focused = (page: Page) => page.evaluate(() => {
    const el = (globalThis as unknown as InPage).document.activeElement;
    return el ? { id: el.id, tag: el.tagName, label: el.getAttribute('aria-label'), value: el.value ?? null } : null;
  });

  /** Tab until the element named `label` holds the focus (at most 60 presses). */
  async function tabTo(page: Page, label: string) {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if ((await focused(page))?.label === label) return;
    }
    throw new Error(`Tab never reached "${label}"`);
  }

  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startE2eApp({ users: [caller], agents: [{ partnerId: 'p-north', email: AGENT }] }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await Promise.all(pages.map((p) => p.context.close()));
    await browser?.close();
    await app?.close();
  });

  afterEach(() => {
    for (const p of pages) expect(p.problems).toEqual([]);
  });

  test('when the agent uses the shortcuts on a user page, then / searches, ? lists them, g o opens the org, and typing in a field fires none', async () => {
    const page = await signedIn();
    await page.goto(url(`/users/${caller.id}`));

    await page.keyboard.press('/');
    expect((await focused(page))?.id).toBe('topbar-q');
    // In a field, `g o` and `?` are text.
    await page.keyboard.type('go?');
    expect(await focused(page)).toMatchObject({ id: 'topbar-q', value: 'go?' });
    expect(page.url()).toBe(url(`/users/${caller.id}`));
    expect(await page.locator('dialog#shortcuts').getAttribute('open')).toBeNull();

    // Out of the field: `?` opens the list, Esc closes it.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: en['shortcuts.title'] }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });

    await page.keyboard.press('g');
    await page.keyboard.press('o');
    await page.waitForURL(url(`/orgs/${DEMO_IDS.dupreOrg}`));

    // The search box in the top bar works by Enter alone.
    await page.keyboard.press('/');
    await page.keyboard.type('margot');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/\?q=margot/);
    await page.getByRole('link', { name: /Margot Lefèvre/ }).waitFor();
  });

  test('when the agent tabs to a copy button and presses Enter or Space, then the value is on the clipboard and the button says Copied', async () => {
    const page = await signedIn();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.baseUrl });
    await page.goto(url(`/users/${caller.id}`));

    const emailLabel = `Copy email address ${caller.email}`;
    await tabTo(page, emailLabel);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: `Copied ${caller.email}` }).waitFor();
    expect(await page.getByRole('button', { name: `Copied ${caller.email}` }).textContent()).toBe(en['copy.copied']);
    expect(await page.evaluate(() => (globalThis as unknown as InPage).navigator.clipboard.readText())).toBe(caller.email);

    await tabTo(page, `Copy SIP address ${caller.sipAddress}`);
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: `Copied ${caller.sipAddress}` }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as InPage).navigator.clipboard.readText())).toBe(caller.sipAddress);
    // The state is a moment's: the first button is back to "Copy …".
    await page.getByRole('button', { name: emailLabel }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // The other half of the contract: a button naming the element whose text it copies (data-copy-target).
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement(tag: string): Record<string, unknown> & { setAttribute(n: string, v: string): void }; querySelector(s: string): { append(...n: unknown[]): void } } }).document;
      const pre = doc.createElement('pre');
      pre.id = 'summary-under-test';
      pre.textContent = 'Caller verified by code\nWelcome email resent';
      const button = doc.createElement('button');
      button.setAttribute('type', 'button');
      button.setAttribute('class', 'copy-button');
      button.setAttribute('data-copy-target', 'summary-under-test');
      button.setAttribute('aria-label', 'Copy the call summary');
      button.textContent = 'Copy summary';
      doc.querySelector('main').append(pre, button);
    });
    await tabTo(page, 'Copy the call summary');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Copy the call summary' }).filter({ hasText: en['copy.copied'] }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as InPage).navigator.clipboard.readText())).toBe('Caller verified by code\nWelcome email resent');

    // Hits found while typing get the same buttons as the server renders.
    await page.goto(url('/'));
    // Typed only once the box holds the focus (it takes it on load): a keystroke before that is lost.
    await page.waitForFunction(() => (globalThis as unknown as InPage).document.activeElement?.id === 'q', undefined, { timeout: 5000 });
    await page.keyboard.type(caller.email);
    // The last keystroke's search has started (it writes the query into the address) and answered.
    await page.waitForURL((u) => u.searchParams.get('q') === caller.email);
    await page.locator('[data-results]:not([aria-busy])').waitFor();
    await page.getByRole('button', { name: `Copy email address ${caller.email}` }).waitFor();
    await tabTo(page, `Copy email address ${caller.email}`);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: `Copied ${caller.email}` }).waitFor();
  });

  test('when search-as-you-type finds more than it shows, then it says how many are shown and that there are more, with the page search one link away', async () => {
    const page = await signedIn();
    await page.waitForFunction(() => (globalThis as unknown as InPage).document.activeElement?.id === 'q', undefined, { timeout: 5000 });
    // Every demo address ends in .example: far more hits than the 30 shown.
    await page.keyboard.type('example');
    await page.waitForURL((u) => u.searchParams.get('q') === 'example');
    await page.locator('[data-results]:not([aria-busy])').waitFor();
    expect(await page.locator('[data-results] a.hit').count()).toBe(30);
    const more = page.locator('[data-results] [data-search-more]');
    expect(await more.textContent()).toBe(`${en['search.showingFirst'].replace('{shown}', '30')} ${en['search.showMore']}`);
    await more.getByRole('link', { name: en['search.showMore'] }).click();
    await page.waitForURL((u) => u.searchParams.get('limit') === '60' && u.searchParams.get('q') === 'example');
    expect(await page.locator('[data-results] a.hit').count()).toBe(60);
    expect(await page.locator('[data-results] [data-search-more]').textContent()).toMatch(/Showing 60 of \d+/);
  });

  test('when the browser is in Tokyo, then the user page shows Tokyo time with the UTC time on hover', async () => {
    const page = await signedIn({ timezoneId: 'Asia/Tokyo' });
    await page.goto(url(`/users/${caller.id}`));
    const sent = page.locator('time[title="2024-02-01 09:12 UTC"]');
    expect(await sent.textContent()).toBe('2024-02-01 18:12 GMT+9');
  });

  test('when the system asks for dark colours, then the main pages are dark and pass axe, contrast included', async () => {
    const page = await signedIn();
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const path of ['/', '/?q=dupre', `/users/${caller.id}`, `/orgs/${DEMO_IDS.dupreOrg}`]) {
      await page.goto(url(path));
      if (path.includes('?q=')) await page.locator('[data-results] a.hit').first().waitFor();
      const background = await page.evaluate(() => (globalThis as unknown as InPage).getComputedStyle((globalThis as unknown as InPage).document.documentElement).backgroundColor);
      expect(background).toBe('rgb(18, 22, 25)');
      expect(await axeViolations(page)).toEqual([]);
    }
    await page.keyboard.press('?');
    await page.getByRole('dialog').waitFor();
    expect(await axeViolations(page)).toEqual([]);

    const signedOut = await openPage(browser, { colorScheme: 'dark' });
    pages.push(signedOut);
    await signedOut.page.goto(url('/login'));
    expect(await axeViolations(signedOut.page)).toEqual([]);
  });

  test('when an org page is printed, then navigation, buttons and forms are left out and the org is there', async () => {
    const page = await signedIn();
    await page.goto(url(`/orgs/${DEMO_IDS.dupreOrg}`));
    expect(await page.locator('button:visible').count()).toBeGreaterThan(0);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.topbar').isVisible()).toBe(false);
    expect(await page.locator('button:visible, form:visible, nav:visible').count()).toBe(0);
    expect(await page.getByRole('heading', { level: 1, name: 'Boulangerie Dupré SARL' }).isVisible()).toBe(true);
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    expect(await page.evaluate(() => (globalThis as unknown as InPage).getComputedStyle((globalThis as unknown as InPage).document.documentElement).backgroundColor)).toBe('rgb(255, 255, 255)');
  });
});
