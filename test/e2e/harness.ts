// What every browser suite needs: the app on a loopback port with demo data and mail going through a
// real SMTP server, Debian's Chromium, axe-core on each page, and screenshots for the README.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { generateDemoData } from '../../src/demo/demo-data';
import { importNdjson } from '../../src/import/importer';
import { SmtpMailer } from '../../src/mail/smtp/smtp-mailer';
import type { UserInput } from '../../src/store/store';
import { buildTestApp, PASSWORD, type TestApp } from '../helpers/test-app';
import { TestSmtpServer, type ReceivedMail } from '../helpers/smtp-server';

export { PASSWORD };

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE_SOURCE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
export const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');

export interface E2eApp {
  t: TestApp;
  smtp: TestSmtpServer;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The app as `npm start` runs it, on the embedded store and engine, with a small demo data set and
 * the extra records a suite asks for; mail leaves through nodemailer to a real in-process SMTP server.
 */
export async function startE2eApp(extra: E2eExtra = {}): Promise<E2eApp> {
  const smtp = await TestSmtpServer.start();
  let t: TestApp | undefined;
  let server: http.Server | undefined;
  try {
    t = await buildTestApp({ mailer: () => new SmtpMailer({ url: smtp.url, from: 'helpdesk@northwind.example' }) });
    server = await serve(t, extra);
  } catch (err) {
    // Whatever started is stopped: a suite that failed to start must not keep Jest from exiting.
    await t?.close().catch(() => {});
    await smtp.stop();
    throw err;
  }
  const started = { t, server };
  return {
    t, smtp, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      started.server.closeAllConnections();
      await new Promise<void>((resolve) => started.server.close(() => resolve()));
      await started.t.close();
      await smtp.stop();
    },
  };
}

type E2eExtra = { users?: UserInput[]; agents?: Array<{ partnerId: string; email: string }> };

async function serve(t: TestApp, extra: E2eExtra): Promise<http.Server> {
  const summary = await importNdjson(t.store, (async function* lines() {
    for (const record of generateDemoData({ orgs: 30, users: 300, seed: 1 })) yield JSON.stringify(record);
  })());
  if (summary.failed.length) throw new Error(`demo data did not import: ${JSON.stringify(summary.failed.slice(0, 3))}`);
  for (const u of extra.users ?? []) await t.store.users.upsert(u);
  for (const a of extra.agents ?? []) await t.addAgent(a.partnerId, a.email);
  await t.sync();

  const server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * Missing Chromium fails the suite loudly, in one line, before anything starts: CI installs it,
 * so it is never skipped.
 */
export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the browser tests need it. `
      + 'Install Debian\'s package (`apt-get install -y chromium`, as .ci/run does) or set CHROMIUM_PATH '
      + '(`npm run test:fast` runs every other suite).');
  }
}

/**
 * What a browser suite's beforeAll starts: Chromium checked first, then the app and the browser
 * together. If either fails, the other is stopped before the error is thrown.
 */
export async function startBrowserSuite(extra: E2eExtra = {}): Promise<{ app: E2eApp; browser: Browser }> {
  requireChromium();
  const [app, browser] = await Promise.allSettled([startE2eApp(extra), launchChromium()]);
  if (app.status === 'fulfilled' && browser.status === 'fulfilled') return { app: app.value, browser: browser.value };
  if (app.status === 'fulfilled') await app.value.close();
  if (browser.status === 'fulfilled') await browser.value.close();
  throw app.status === 'rejected' ? app.reason : (browser as PromiseRejectedResult).reason;
}

/** Debian's Chromium, headless. */
export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface TrackedPage {
  page: Page;
  context: BrowserContext;
  /** Content-Security-Policy violations and script errors seen so far: a page must raise none. */
  problems: string[];
}

/**
 * A fresh context (its own cookies) and page. CSP stays enforced: axe is evaluated through the
 * DevTools protocol, which CSP does not govern, so no `bypassCSP` is needed and an inline script
 * or style slipping into a view still shows up here as a violation.
 */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<TrackedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', ...options });
  // Short waits: every page answers in milliseconds, and a stuck wait should fail while CI still has time.
  context.setDefaultTimeout(8_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(`script error: ${err.message}`));
  return { page, context, problems };
}

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }

const axeSource = () => fs.readFileSync(AXE_SOURCE, 'utf8');

/** axe-core's serious and critical findings on the page as it is now, WCAG 2.1 AA rules and best practices. */
export async function axeViolations(page: Page): Promise<string[]> {
  // These callbacks run in the page; its globals are typed here by hand, the project has no DOM lib.
  type InPage = { axe?: { run(ctx: unknown, opts: object): Promise<{ violations: AxeViolation[] }> }; document: unknown };
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource());
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as InPage;
    const result = await axe!.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${page.url()} ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

/** The page's document as a callback run in the page sees it (typed by hand: the project has no DOM lib). */
export interface InPageDocument {
  activeElement: { id: string; getAttribute(name: string): string | null } | null;
  querySelector(selector: string): { textContent: string | null } | null;
}

/** Saves a screenshot for the README, the whole page. */
/** Only `npm run screenshots` (SCREENSHOTS=1) rewrites docs/screenshots: `npm test` leaves the tree clean. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** The code as the caller reads it from the mail ("4821 3379"). */
export function codeIn(mail: ReceivedMail): string {
  const m = /\b(\d{4}) (\d{4})\b/.exec(mail.text);
  if (!m) throw new Error('no verification code in the mail');
  return `${m[1]} ${m[2]}`;
}
