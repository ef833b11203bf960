// Wide data in a laptop's window (1,366 × 768): the audit log and the read-only view fit the page,
// with no horizontal scrolling, however long the ids, addresses and details they hold.
import type { Browser, Page } from 'playwright-core';
import { DEMO_IDS } from '../../src/demo/demo-data';
import en from '../../src/i18n/locales/en.json';
import { PASSWORD, launchChromium, openPage, screenshot, startE2eApp, type E2eApp, type InPageDocument, type TrackedPage } from './harness';

jest.setTimeout(60_000);

const ADMIN = 'admin@northwind.example';
const LAPTOP = { width: 1366, height: 768 };

describe('pages at a laptop\'s width', () => {
  let app: E2eApp;
  let browser: Browser;
  const pages: TrackedPage[] = [];

  beforeAll(async () => {
    app = await startE2eApp();
    await app.t.addAgent('p-north', ADMIN, 'partner_admin');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(() => {
    for (const p of pages) expect(p.problems).toEqual([]);
  });

  async function signedIn(viewport = LAPTOP): Promise<Page> {
    const tracked = await openPage(browser, { viewport });
    pages.push(tracked);
    const { page } = tracked;
    await page.goto(`${app.baseUrl}/login`);
    await page.getByLabel(en['auth.email']).fill(ADMIN);
    await page.getByLabel(en['auth.password']).fill(PASSWORD);
    await page.getByRole('button', { name: en['auth.signIn'] }).click();
    await page.waitForURL(`${app.baseUrl}/`);
    return page;
  }
  /** How far the page reaches past the window, in CSS pixels (0: no horizontal scroll). */
  const overflow = (page: Page) => page.evaluate(() => {
    const doc = (globalThis as unknown as { document: InPageDocument & { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
    return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
  });

  test('when the audit log holds long ids, addresses and details, then at 1,366 px it has no horizontal scroll', async () => {
    await app.t.store.audit.append({
      id: 'wide-1', at: '2026-01-01T00:00:00.000Z', actorId: 'an-actor-id-that-no-agent-has-0123456789abcdef', actorRole: 'helpdesk',
      partnerId: 'p-north', orgId: DEMO_IDS.dupreOrg, subject: 'token:0123456789abcdef0123456789abcdef0123456789abcdef',
      action: 'verification.send', outcome: 'failure', clientIp: '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      requestId: '5f0c2d1e-8b7a-4c1d-9e2f-0123456789ab',
      detail: { reason: 'x'.repeat(300), email: 'a-very-long-address-of-someone@a-very-long-domain-name.example' },
    });
    const page = await signedIn();
    await page.goto(`${app.baseUrl}/orgs/${DEMO_IDS.dupreOrg}`);
    await page.goto(`${app.baseUrl}/audit`);
    expect(await page.locator('table.audit tbody tr').count()).toBeGreaterThan(2);
    await screenshot(page, 'audit-log');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });

  test('when the read-only view lists users with long addresses and several roles, then at 1,366 px and on a phone nothing leaves its card', async () => {
    const now = app.t.clock.now();
    await app.t.store.users.upsert({
      id: 'e2e-wide-user', orgId: DEMO_IDS.dupreOrg, email: 'maximilienne.de-la-tour-dauvergne.responsable-informatique@dupre.example',
      firstName: 'Maximilienne', lastName: 'de La Tour d’Auvergne', displayName: 'Maximilienne de La Tour d’Auvergne',
      phone: '', sipAddress: '', status: 'pending', createdAt: now.toISOString(),
      roles: ['full_admin', 'support_admin', 'read_only_admin'], licenses: ['MEET-ENT'], features: [], supportContactFor: [], lastEmail: null,
    } as Parameters<typeof app.t.store.users.upsert>[0]);
    await app.t.store.consentGrants.create({
      id: 'e2e-wide-grant', orgId: DEMO_IDS.dupreOrg, partnerId: 'p-north', grantedBy: DEMO_IDS.dupreUser, grantedByEmail: 'helene.dupre@dupre.example',
      grantedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 86_400_000).toISOString(), revokedAt: null, revokedBy: null,
      requestId: null, lang: 'en',
    }, now);
    const page = await signedIn();
    await page.goto(`${app.baseUrl}/orgs/${DEMO_IDS.dupreOrg}/portal`);
    await page.getByLabel(en['consent.reasonLabel']).fill('TICKET-4821 layout check');
    await page.getByRole('button', { name: en['readOnlyView.reason.enter'] }).click();
    await page.waitForURL(`${app.baseUrl}/orgs/${DEMO_IDS.dupreOrg}/portal`);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    // The users table stays inside its card: its right edge is not past the card's.
    const edges = () => page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): { right: number } } | null } }).document;
      const card = doc.querySelector('section[aria-labelledby="p-users-h"]')!.getBoundingClientRect().right;
      const table = doc.querySelector('section[aria-labelledby="p-users-h"] table')!.getBoundingClientRect().right;
      return { card, table };
    });
    const wide = await edges();
    expect(wide.table).toBeLessThanOrEqual(wide.card);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });

  test('when a partner admin opens the agents, tokens and audit pages on a phone (390 px), then the page itself does not scroll sideways', async () => {
    const page = await signedIn();
    await page.goto(`${app.baseUrl}/orgs/${DEMO_IDS.dupreOrg}`);
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/admin', '/admin/tokens', '/audit']) {
      await page.goto(`${app.baseUrl}${path}`);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
    }
  });

  test('when a user has a long SIP address, then on a phone (390 px) the user page does not scroll sideways', async () => {
    await app.t.store.users.upsert({
      id: '0e2e0000-5150-4000-8000-000000000001', orgId: DEMO_IDS.dupreOrg, email: 'amelia.brown@patel-logistics.example',
      firstName: 'Amelia', lastName: 'Brown', displayName: 'Amelia Brown',
      phone: '+447400941196', sipAddress: 'amelia.brown@patel-logistics.calls.webex.com', status: 'active', createdAt: app.t.clock.now().toISOString(),
      roles: ['full_admin'], licenses: [], features: [], supportContactFor: [], lastEmail: null,
    } as Parameters<typeof app.t.store.users.upsert>[0]);
    const page = await signedIn({ width: 390, height: 844 });
    await page.goto(`${app.baseUrl}/users/0e2e0000-5150-4000-8000-000000000001`);
    await page.getByRole('heading', { name: 'Amelia Brown' }).waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });

  /** The page in French from now on, as the language switcher leaves it (the `lang` cookie). */
  const inFrench = (page: Page) => page.context().addCookies([{ name: 'lang', value: 'fr', url: app.baseUrl }]);

  test('when the user page is in French at 1,280 px, then the product and priority selects stay inside their card', async () => {
    const page = await signedIn({ width: 1280, height: 800 });
    await inFrench(page);
    await page.goto(`${app.baseUrl}/users/${DEMO_IDS.dupreUser}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    const edges = await page.evaluate(() => {
      type Box = { getBoundingClientRect(): { left: number; right: number } };
      const doc = (globalThis as unknown as { document: { querySelector(s: string): Box | null } }).document;
      const card = doc.querySelector('section[aria-labelledby="entitlement-h"]')!.getBoundingClientRect();
      const right = (s: string) => doc.querySelector(s)?.getBoundingClientRect().right ?? 0;
      return { card: card.right, priority: right('#priority'), product: right('#product'), button: right('section[aria-labelledby="entitlement-h"] button') };
    });
    expect(edges.priority).toBeGreaterThan(0);
    expect(edges.priority).toBeLessThanOrEqual(edges.card);
    expect(edges.product).toBeLessThanOrEqual(edges.card);
    expect(edges.button).toBeLessThanOrEqual(edges.card);
  });

  test('when a partner admin reads French at 1,366 px, then the header holds on one line, top-bar search included', async () => {
    const page = await signedIn();
    await inFrench(page);
    await page.goto(`${app.baseUrl}/orgs/${DEMO_IDS.dupreOrg}`);
    expect(await page.getByRole('link', { name: 'Journal d’audit' }).count()).toBe(1);
    // One line: every item of the bar is centred on the same line (a wrapped item sits a row lower).
    const centres = await page.evaluate(() => {
      type El = { getBoundingClientRect(): { top: number; bottom: number } };
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): El[] } }).document;
      return Array.from(doc.querySelectorAll('header.topbar > *')).map((e) => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
    });
    expect(centres.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...centres) - Math.min(...centres)).toBeLessThanOrEqual(4);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });

  test('when the user page shows the call summary at 1,366 px, then every line of it is visible without scrolling inside the box', async () => {
    const page = await signedIn();
    await page.goto(`${app.baseUrl}/users/${DEMO_IDS.dupreUser}`);
    const box = page.locator('#call-summary');
    expect(await box.inputValue()).toContain('\n');
    const hidden = await box.evaluate((el) => {
      const t = el as unknown as { scrollHeight: number; clientHeight: number };
      return t.scrollHeight - t.clientHeight;
    });
    expect(hidden).toBeLessThanOrEqual(0);
  });
});
