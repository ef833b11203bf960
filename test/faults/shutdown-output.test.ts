// Shutdown on the real server (`node dist/src/main.js`), run as a process manager or a CI script
// runs it: its output piped to a parent that stops reading it. Whatever became of the log's reader
// (gone, so every write fails with EPIPE, or alive and not reading, so the pipe is full), SIGTERM
// ends every app process within the drain bound, with exit 0; a second signal during the drain
// ends them at once. Each case with one process and with a group of two (WEB_CONCURRENCY=2).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { prepareDataDir, startApp, type Prepared } from '../../bench/app-process';
import { requireBuilt, TEST_PASSWORD_LOG_N } from '../helpers/test-app';

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');
/** The drain bound (25 s) and what the app allows itself after it (5 s), plus a margin for a busy machine. */
const EXIT_BOUND_MS = 25_000 + 5_000 + 3_000;
/** "At once": the time to handle a signal and exit, on a busy machine. */
const AT_ONCE_MS = 3_000;

/** True while any process of the process group `pgid` is alive. */
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

async function within(ms: number, condition: () => boolean): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

const exitOf = (child: ChildProcess, ms: number) => new Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
  const timer = setTimeout(() => resolve('still running'), ms);
  child.once('exit', (code, signal) => {
    clearTimeout(timer);
    resolve({ code, signal });
  });
});

const freePort = () => new Promise<number>((resolve) => {
  const probe = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as net.AddressInfo;
    probe.close(() => resolve(port));
  });
});

/** As a process manager writes it: spawn with piped output, SIGTERM to the process group once ready, exit without reading. */
const PARENT = `
const { spawn } = require('node:child_process');
const [main, readyLine] = process.argv.slice(1);
const app = spawn(process.execPath, [main], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
let seen = '';
app.stdout.on('data', (chunk) => {
  seen += chunk;
  if (!seen.includes(readyLine)) return;
  process.stdout.write(app.pid + '\\n', () => {
    process.kill(-app.pid, 'SIGTERM');
    process.exit(0);
  });
});
`;

describe.each([1, 2])('when the app runs as %i process(es) and its output is piped', (processes) => {
  let data: Prepared;
  const groups: number[] = [];
  const env = () => ({ ...process.env, ...data.env, NODE_ENV: 'test', DATA_DIR: data.dataDir, LOG_LEVEL: 'info', WEB_CONCURRENCY: String(processes) });
  const readyLine = processes > 1 ? 'all app processes ready' : 'listening on';

  beforeAll(async () => {
    requireBuilt('src/main.js');
    data = await prepareDataDir({ orgs: 10, users: 100, agents: 1, passwordLogN: TEST_PASSWORD_LOG_N });
  }, 120_000);
  afterAll(() => {
    for (const pgid of groups) if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    fs.rmSync(data.dataDir, { recursive: true, force: true });
  });

  test('when the parent sends SIGTERM and exits without reading, then every app process is gone within the drain bound', async () => {
    const parent = spawn(process.execPath, ['-e', PARENT, MAIN, readyLine], { env: { ...env(), PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    expect(await exitOf(parent, 60_000)).toEqual({ code: 0, signal: null });
    const pgid = Number(out.trim());
    groups.push(pgid);
    expect(pgid).toBeGreaterThan(0);
    // The reader of the app's output is gone: each log line it writes now fails with EPIPE.
    const gone = await within(EXIT_BOUND_MS, () => !groupAlive(pgid));
    expect(gone).toBeLessThan(EXIT_BOUND_MS);
  }, 90_000);

  test('when nobody reads its output any more and the pipe is full, then SIGTERM still ends it with exit 0 within the drain bound', async () => {
    const port = await freePort();
    const app = spawn(process.execPath, [MAIN], { env: { ...env(), PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    groups.push(app.pid!);
    let seen = '';
    const onData = (chunk: Buffer) => { seen += chunk.toString(); };
    app.stdout!.on('data', onData);
    expect(await within(60_000, () => seen.includes(readyLine))).toBeLessThan(60_000);
    // From here on nobody reads: the pipe fills with the log of the requests below.
    app.stdout!.off('data', onData);
    app.stdout!.pause();
    app.stderr!.pause();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const get = (p: string) => new Promise<number>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}${p}`, { agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); }).on('error', reject);
    });
    for (let i = 0; i < 1200; i += 8) {
      await Promise.all(Array.from({ length: 8 }, (_, j) => get(`/api/v1/users/u-${i + j}`)));
    }
    // The app still answers with its log stuck in a full pipe.
    expect(await get('/healthz')).toBe(200);
    agent.destroy();

    process.kill(-app.pid!, 'SIGTERM');
    expect(await exitOf(app, EXIT_BOUND_MS)).toEqual({ code: 0, signal: null });
    expect(await within(AT_ONCE_MS, () => !groupAlive(app.pid!))).toBeLessThan(AT_ONCE_MS);
  }, 120_000);

  test.each(processes > 1 ? ['SIGTERM'] : ['SIGTERM', 'SIGINT'])('when a request holds the drain and %s follows SIGTERM, then the app exits at once', async (second) => {
    const app = await startApp(data.dataDir, { ...data.env, WEB_CONCURRENCY: String(processes) }, { detached: true });
    groups.push(app.child.pid!);
    if (processes > 1) await app.waitForLog('all app processes ready', 60_000);
    // An upload that never ends: the drain would wait for it up to its bound.
    const stuck = http.request(`${app.url}/api/v1/users/${data.users[0]!.id}/verifications`, {
      method: 'POST', headers: { authorization: `Bearer ${data.tokens[0]}`, 'content-type': 'application/json', 'content-length': '2' },
    });
    stuck.on('error', () => {});
    stuck.write('{');
    await new Promise((resolve) => setTimeout(resolve, 300));

    // To the whole group, as a process manager or a terminal does: each process gets it (and, in a group, the primary's message too).
    process.kill(-app.child.pid!, 'SIGTERM');
    await app.waitForLog('shutting down', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(app.child.exitCode).toBeNull();
    const sentAt = Date.now();
    process.kill(-app.child.pid!, second as NodeJS.Signals);
    const exit = await exitOf(app.child, AT_ONCE_MS);
    expect(Date.now() - sentAt).toBeLessThan(AT_ONCE_MS);
    // Cut short: not the clean exit 0 of a finished drain.
    expect(exit).toEqual({ code: 1, signal: null });
    expect(await within(AT_ONCE_MS, () => !groupAlive(app.child.pid!))).toBeLessThan(AT_ONCE_MS);
    stuck.destroy();
  }, 90_000);
});
