// Production never loads demo data: the built app started with NODE_ENV=production on an empty
// data folder serves an empty store, prints no account or password, and its log says how to
// create the first partner admin; the commands it names work.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { startApp, type AppProcess } from '../../bench/app-process';
import { EMBEDDED_FILE } from '../../src/store';
import { EmbeddedStore } from '../../src/store/embedded/embedded-store';
import { csrfFrom, requireBuilt, tempDir } from '../helpers/test-app';

const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');
let dataDir: string;
let app: AppProcess | undefined;
let env: Record<string, string>;

beforeAll(() => {
  requireBuilt('src/main.js');
  requireBuilt('src/cli/main.js');
  dataDir = tempDir('helpdesk-production-');
  env = {
    NODE_ENV: 'production', DATA_DIR: dataDir, PUBLIC_URL: 'https://helpdesk.example',
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'), CODE_SECRET: crypto.randomBytes(32).toString('hex'),
  };
});
afterAll(async () => {
  if (app && app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGTERM');
    await app.exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cookieOf = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');

test('when the app starts in production on an empty data folder, then it loads no demo data, prints no password, and says how to create the first partner admin', async () => {
  app = await startApp(dataDir, env);
  const out = app.lines.join('\n');
  expect(out).not.toMatch(/Demo accounts/i);
  expect(out).not.toMatch(/northwind|southwind/i);
  expect(out).not.toMatch(/password"?\s*[:=]/i);
  const hint = app.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => /^empty store/.test(l.msg));
  expect(hint?.msg).toContain('npx helpdesk agent add --partner ID --email E --name N --role partner_admin');
  expect(hint?.msg).toContain('npx helpdesk import -');

  const store = new EmbeddedStore(path.join(dataDir, EMBEDDED_FILE));
  try {
    expect(await store.partners.list()).toEqual([]);
    expect(await store.agents.getByEmail('admin@northwind.example')).toBeNull();
  } finally {
    await store.close();
  }
  await request(app.url).get('/healthz').expect(200);
}, 120_000);

test('when the operator runs the commands the log names, then the first partner admin signs in', async () => {
  const cli = (args: string[], input: string) => spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, input, encoding: 'utf8' });
  const imported = cli(['import', '-'], `${JSON.stringify({ kind: 'partner', id: 'p-first', name: 'First Partner' })}\n`);
  expect(imported.status).toBe(0);
  const password = 'first admin passphrase 1';
  const added = cli(['agent', 'add', '--partner', 'p-first', '--email', 'first@partner.example', '--name', 'First', '--role', 'partner_admin'], `${password}\n`);
  expect({ status: added.status, stderr: added.stderr }).toEqual({ status: 0, stderr: '' });

  // Through the TLS proxy that the https PUBLIC_URL implies (on loopback, trusted by default).
  const page = await request(app!.url).get('/login').set('X-Forwarded-Proto', 'https').expect(200);
  const signedIn = await request(app!.url).post('/login').set('X-Forwarded-Proto', 'https').set('Cookie', cookieOf(page)).type('form')
    .send({ email: 'first@partner.example', password, _csrf: csrfFrom(page.text) });
  expect(signedIn.status).toBe(303);
  expect(signedIn.headers.location).toBe('/');
}, 120_000);
