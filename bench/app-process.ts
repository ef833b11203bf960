// The real server as an operator runs it: a data folder seeded by `helpdesk seed`, agents with API
// tokens, and `node dist/src/main.js` processes on loopback ports that share the folder. Used by
// the load test (`npm run load`) and by the SIGTERM fault test.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { systemClock } from '../src/clock';
import { createAuthService } from '../src/features/auth/auth.service';
import { EMBEDDED_FILE } from '../src/store';
import { EmbeddedStore } from '../src/store/embedded/embedded-store';

const ROOT = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');
const CLI = path.join(ROOT, 'bin', 'helpdesk.js');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
export const PARTNER = 'p-north';

export interface Prepared {
  dataDir: string;
  /** Secrets every process on the folder shares, as any deployment of several processes must (sessions, codes). */
  env: Record<string, string>;
  /** Agents of PARTNER, all with `password`. */
  agents: string[];
  password: string;
  /** One bearer token per agent: the API limit counts per agent. */
  tokens: string[];
  /** Users of PARTNER not on the suppression list (a code can be mailed to them), with their orgs. */
  users: Array<{ id: string; orgId: string; email: string }>;
  orgIds: string[];
}

/**
 * A fresh data folder: demo data through the CLI (the app then skips its own demo load), agents and
 * tokens. `passwordLogN` lowers the scrypt cost of these throwaway agents, so that creating many is quick.
 */
export async function prepareDataDir(o: { orgs: number; users: number; agents: number; passwordLogN?: number }): Promise<Prepared> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-load-'));
  await promisify(execFile)(process.execPath, [CLI, 'seed', '--orgs', String(o.orgs), '--users', String(o.users)], {
    env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
  });
  const store = new EmbeddedStore(path.join(dataDir, EMBEDDED_FILE));
  try {
    const auth = createAuthService(store, systemClock, o.passwordLogN);
    const password = crypto.randomUUID();
    const agents: string[] = [];
    const tokens: string[] = [];
    for (let i = 0; i < o.agents; i++) {
      const email = `load-${i}@north.example`;
      await auth.createAgent({ partnerId: PARTNER, email, name: `Load ${i}`, role: 'helpdesk', password });
      agents.push(email);
      tokens.push((await auth.createToken(email, 'load')).token);
    }
    const users: Prepared['users'] = [];
    for await (const batch of store.users.scan(500)) {
      for (const u of batch) {
        if (u.partnerId === PARTNER && !(await store.suppressions.get(u.email))) users.push({ id: u.id, orgId: u.orgId, email: u.email });
      }
    }
    const env = { SESSION_SECRET: crypto.randomBytes(32).toString('hex'), CODE_SECRET: crypto.randomBytes(32).toString('hex') };
    return { dataDir, env, agents, password, tokens, users, orgIds: [...new Set(users.map((u) => u.orgId))] };
  } finally {
    await store.close();
  }
}

export interface AppProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Log lines (pino JSON) so far. */
  lines: string[];
  /** Resolves with the first log line whose msg starts with `msg`. */
  waitForLog(msg: string, timeoutMs?: number): Promise<{ time: number; [key: string]: unknown }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node dist/src/main.js` on a free port (PORT=0) and resolves once it listens. With
 * `keepLogs: false` its log is read only up to that point (a load run logs every request).
 * `detached` starts it in a process group of its own, so a test can end a group of app processes at once.
 */
export async function startApp(
  dataDir: string, env: Record<string, string> = {}, { keepLogs = true, detached = false } = {},
): Promise<AppProcess> {
  const child = spawn(process.execPath, [MAIN], {
    detached,
    env: {
      ...process.env,
      // Production requires an https PUBLIC_URL (Secure cookies), which loopback without TLS cannot serve.
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let rest = '';
  let reading = true;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (!reading) return;
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const w of [...waiters]) w();
      resolve({ code, signal });
    });
  });

  const waitForLog = (msg: string, timeoutMs = 120_000) => new Promise<{ time: number; [key: string]: unknown }>((resolve, reject) => {
    const find = () => {
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; time: number };
        if (entry.msg?.startsWith(msg)) return entry;
      }
      return undefined;
    };
    const check = () => {
      const found = find();
      if (found) {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      } else if (child.exitCode !== null || child.signalCode !== null) {
        clearTimeout(timer);
        waiters.delete(check);
        reject(new Error(`app exited before logging "${msg}": ${stderr.trim()}`));
      }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`app did not log "${msg}" within ${timeoutMs} ms`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });

  const listening = await waitForLog('listening on');
  reading = keepLogs;
  const port = listening.port as number;
  return { child, port, url: `http://127.0.0.1:${port}`, lines, waitForLog, exited };
}
