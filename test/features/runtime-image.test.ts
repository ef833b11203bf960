// The production image's file set, run for real. The folder is assembled exactly as the
// Dockerfile's build stage assembles /runtime (scripts/runtime-files.js, then `npm prune
// --omit=dev` in it): no src/, no test/, no dev dependencies. Data is made with the CLI of that
// folder (production never loads demo data), then `node dist/src/main.js` runs from it with
// production settings and real SMTP, and the three mails users depend on must arrive.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { EMBEDDED_FILE } from '../../src/store';
import { TestSmtpServer } from '../helpers/smtp-server';
import { requireBuilt, tempDir } from '../helpers/test-app';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const PUBLIC_URL = 'https://helpdesk.example';
const PASSWORD = 'runtime image passphrase';
const ORG = crypto.randomUUID();
const CALLER = { id: crypto.randomUUID(), email: 'caller@acme.example' };
const ORG_ADMIN = { id: crypto.randomUUID(), email: 'it-admin@acme.example' };

/** A cookie-keeping client that speaks to the app as the TLS-terminating proxy in front of it would. */
class Client {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async send(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<{ status: number; text: string }> {
    const res = await fetch(this.base + url, {
      method,
      redirect: 'manual',
      headers: {
        'x-forwarded-proto': 'https',
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: res.status, text: await res.text() };
  }

  /** Opens the page with the form, then posts the form with that page's CSRF token. */
  async submit(page: string, action: string, fields: Record<string, string>): Promise<number> {
    const html = (await this.send('GET', page)).text;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!csrf) throw new Error(`no CSRF token on ${page}`);
    return (await this.send('POST', action, { ...fields, _csrf: csrf })).status;
  }
}

describe('when the app runs from exactly the runtime image\'s files, with production dependencies only', () => {
  let dir: string;
  let smtp: TestSmtpServer;
  let app: ChildProcess | undefined;
  let base: string;
  let env: NodeJS.ProcessEnv;
  let token: string;
  let output = '';

  beforeAll(async () => {
    requireBuilt('src/main.js');
    dir = tempDir('helpdesk-runtime-');
    await run(process.execPath, [path.join(ROOT, 'scripts', 'runtime-files.js'), dir]);
    // --offline: the pruned set is made from what is installed; CI has nothing else to fetch.
    await run('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund'], { cwd: dir });
    smtp = await TestSmtpServer.start();
    const dataDir = path.join(dir, 'data');
    env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
      CODE_SECRET: crypto.randomBytes(32).toString('hex'),
      PUBLIC_URL,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Northwind Help Desk <helpdesk@north.example>',
    };

    const cli = (...args: string[]) => run(process.execPath, ['bin/helpdesk.js', ...args], { cwd: dir, env });
    const now = new Date().toISOString();
    const records = [
      { kind: 'partner', id: 'p-north', name: 'Northwind' },
      { kind: 'org', id: ORG, partnerId: 'p-north', name: 'Acme', status: 'active', createdAt: now },
      { kind: 'user', id: CALLER.id, orgId: ORG, email: CALLER.email, firstName: 'Cal', lastName: 'Ler', status: 'active', createdAt: now },
      { kind: 'user', id: ORG_ADMIN.id, orgId: ORG, email: ORG_ADMIN.email, firstName: 'Ada', lastName: 'Min', status: 'active', createdAt: now, roles: ['full_admin'] },
    ];
    fs.writeFileSync(path.join(dir, 'records.ndjson'), records.map((r) => JSON.stringify(r)).join('\n'));
    await cli('import', 'records.ndjson');
    await cli('agent', 'add', '--partner', 'p-north', '--email', 'admin@north.example', '--name', 'Admin', '--role', 'partner_admin', '--password', PASSWORD);
    token = (await cli('token', 'create', '--email', 'admin@north.example')).stdout.trim();

    app = spawn(process.execPath, ['dist/src/main.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    app.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
    const port = await new Promise<number>((resolve, reject) => {
      app!.stdout!.on('data', (c: Buffer) => {
        output += c.toString();
        const m = /"port":(\d+)[^\n]*"msg":"listening on/.exec(output);
        if (m) resolve(Number(m[1]));
      });
      app!.on('exit', (code) => reject(new Error(`app exited (${code}) before listening:\n${output}`)));
    });
    base = `http://127.0.0.1:${port}`;
  }, 180_000);

  afterAll(async () => {
    app?.kill('SIGKILL');
    await smtp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('then the folder has no sources, tests or dev dependencies, and the CLI wrote its data with the native SQLite addon', () => {
    for (const absent of ['src', 'test', 'node_modules/jest', 'node_modules/typescript', 'node_modules/ts-jest']) {
      expect([absent, fs.existsSync(path.join(dir, absent))]).toEqual([absent, false]);
    }
    expect(fs.existsSync(path.join(dir, 'data', EMBEDDED_FILE))).toBe(true);
  });

  test('then an agent\'s verification code reaches the user by SMTP', async () => {
    const res = await fetch(`${base}/api/v1/users/${CALLER.id}/verifications`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-forwarded-proto': 'https' },
    });
    expect(res.status).toBe(202);

    const mail = await smtp.waitForMessage(CALLER.email);
    expect(mail.subject).toContain('Northwind');
    expect(mail.text).toMatch(/\d{3}[ -]?\d{3}/);
    expect(mail.html).toContain('<html');
  });

  test('then a partner admin\'s invitation reaches the new agent with a set-password link at PUBLIC_URL', async () => {
    const admin = new Client(base);
    expect(await admin.submit('/login', '/login', { email: 'admin@north.example', password: PASSWORD })).toBe(303);
    expect(await admin.submit('/admin', '/admin/agents', { email: 'new.agent@north.example', name: 'New Agent', role: 'helpdesk' })).toBe(303);

    const mail = await smtp.waitForMessage('new.agent@north.example');
    expect(mail.text).toMatch(new RegExp(`${PUBLIC_URL}/set-password/[A-Za-z0-9_-]+`));
    expect(mail.html).toContain(`${PUBLIC_URL}/set-password/`);
  });

  test('then a customer admin\'s sign-in link reaches them, pointing at PUBLIC_URL', async () => {
    const customer = new Client(base);
    expect(await customer.submit('/customer/login', '/customer/login', { email: ORG_ADMIN.email })).toBe(200);

    const mail = await smtp.waitForMessage(ORG_ADMIN.email);
    expect(mail.text).toMatch(new RegExp(`${PUBLIC_URL}/customer/login/[A-Za-z0-9_-]{43}`));
  });
});
