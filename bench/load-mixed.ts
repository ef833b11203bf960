// `npm run load [-- --duration 120] [-- --connections 8] [-- --no-write]`: two app processes
// (`node dist/src/main.js`) on ONE embedded data folder, mixed traffic from autocannon on loopback
// (searches and code sends through the API with bearer tokens, user and org pages with signed-in
// sessions) at the highest rate the machine holds, RSS of both processes sampled throughout.
// Prints the figures, writes the "Load" section of docs/benchmarks.md, and exits 1 on any error
// or memory growth. Code sends past the per-user and per-agent limits answer 429 by design: those
// are counted as refusals, not errors.
import autocannon from 'autocannon';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareDataDir, startApp, type AppProcess, type Prepared } from './app-process';
import { latency, ms } from './stats';

export type Kind = 'search' | 'user page' | 'org page' | 'code send';
/** What one connection sends, over and over: half searches, as on a call; a code send now and then. */
const CYCLE: Kind[] = ['search', 'user page', 'search', 'org page', 'search', 'user page', 'search', 'org page', 'search', 'code send'];
const KINDS: Kind[] = ['search', 'user page', 'org page', 'code send'];
const PROBE_CONNECTIONS = [2, 4, 8, 16];
const PROBE_SECONDS = 5;
const RSS_EVERY_MS = 2000;
/** Signed-in sessions for the pages; sign-in allows 50 an hour per address. */
const SESSIONS = 20;
/** Agents with tokens: the API allows 600 calls a minute and 30 code sends an hour per agent. */
const AGENTS = 150;

export interface KindCounts { requests: number; ok: number; refused: number; other: number }
export interface LoadRun {
  connectionsPerApp: number;
  durationS: number;
  requests: number;
  rps: number;
  latency: { p50: number; p95: number; p99: number };
  errors: number;
  byKind: Record<Kind, KindCounts>;
  rss: Array<{ pid: number; firstMb: number; lastMb: number; maxMb: number; afterWarmupMb: number }>;
}

function option(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** A signed-in session cookie for each agent, through the sign-in form as a browser would. */
async function signIn(url: string, email: string, password: string): Promise<string> {
  const cookieOf = (res: Response, fallback = '') => res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') || fallback;
  const form = await fetch(`${url}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('no CSRF token on the sign-in page');
  const res = await fetch(`${url}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: cookieOf(form), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, _csrf: csrf }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in of ${email} answered ${res.status}`);
  return cookieOf(res);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

interface Traffic { data: Prepared; cookies: string[]; byKind: Record<Kind, KindCounts>; times: number[] }

/** One autocannon instance against one app process; every connection sends CYCLE in a loop. */
function hammer(app: AppProcess, connections: number, durationS: number, traffic: Traffic, offset: number): Promise<autocannon.Result> {
  const { data, cookies, byKind } = traffic;
  let n = offset;
  let sends = offset;
  const pick = <T>(items: T[]) => items[n % items.length]!;
  const request = (kind: Kind): autocannon.Request => ({
    setupRequest: (req) => {
      n += 1;
      const user = pick(data.users);
      const bearer = { ...req.headers, authorization: `Bearer ${pick(data.tokens)}` };
      const page = { ...req.headers, cookie: pick(cookies), accept: 'text/html' };
      switch (kind) {
        case 'search': {
          // Prefixes as typed, a full address, an org id: the query classes of a call.
          const q = [user.email.slice(0, 3), user.email.slice(0, 6), user.email, user.orgId][n % 4]!;
          return { ...req, method: 'GET', path: `/api/v1/search?q=${encodeURIComponent(q)}`, headers: bearer };
        }
        case 'user page': return { ...req, method: 'GET', path: `/users/${user.id}`, headers: page };
        case 'org page': return { ...req, method: 'GET', path: `/orgs/${user.orgId}`, headers: page };
        case 'code send':
          // Users and agents in turn, so that each user gets about one of its 3 sends per 15 minutes;
          // near the end of a 2-minute run agents reach their 30 sends an hour and are refused (429).
          sends += 1;
          return {
            ...req, method: 'POST', path: `/api/v1/users/${data.users[sends % data.users.length]!.id}/verifications`,
            headers: { ...req.headers, authorization: `Bearer ${data.tokens[sends % data.tokens.length]!}`, 'content-type': 'application/json' },
            body: '{}',
          };
      }
    },
    onResponse: (status) => {
      const c = byKind[kind];
      c.requests += 1;
      if (status >= 200 && status < 300) c.ok += 1;
      else if (status === 429 && kind === 'code send') c.refused += 1;
      else c.other += 1;
    },
  });
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: app.url, connections, duration: durationS, timeout: 30, requests: CYCLE.map(request),
    }, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('response', (_client, _status, _bytes, responseTime) => { traffic.times.push(responseTime); });
  });
}

const emptyCounts = (): Record<Kind, KindCounts> =>
  Object.fromEntries(KINDS.map((k) => [k, { requests: 0, ok: 0, refused: 0, other: 0 }])) as Record<Kind, KindCounts>;

/** Both processes at once with `connections` each; RSS sampled when `sample` is given. */
async function run(apps: AppProcess[], connections: number, durationS: number, base: Omit<Traffic, 'byKind' | 'times'>,
  sample?: Array<Array<number>>): Promise<LoadRun> {
  const traffic: Traffic = { ...base, byKind: emptyCounts(), times: [] };
  const timer = sample && setInterval(() => apps.forEach((a, i) => sample[i]!.push(rssMb(a.child.pid!))), RSS_EVERY_MS);
  sample?.forEach((s, i) => s.push(rssMb(apps[i]!.child.pid!)));
  try {
    const results = await Promise.all(apps.map((app, i) => hammer(app, connections, durationS, traffic, i * Math.floor(base.data.users.length / 2))));
    sample?.forEach((s, i) => s.push(rssMb(apps[i]!.child.pid!)));
    const requests = results.reduce((a, r) => a + r.requests.total, 0);
    const l = latency(traffic.times);
    return {
      connectionsPerApp: connections,
      durationS,
      requests,
      rps: requests / durationS,
      latency: { p50: l.p50, p95: l.p95, p99: l.p99 },
      errors: results.reduce((a, r) => a + r.errors + r.timeouts, 0),
      byKind: traffic.byKind,
      rss: (sample ?? []).map((s, i) => ({
        pid: apps[i]!.child.pid!, firstMb: s[0]!, lastMb: s[s.length - 1]!, maxMb: Math.max(...s),
        afterWarmupMb: s[Math.floor(s.length / 4)]!,
      })),
    };
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** Flat: after the first quarter (caches and JIT warm), RSS grows by under 15 % or 40 MB. */
export const memoryFlat = (r: LoadRun) => r.rss.every((p) => p.lastMb - p.afterWarmupMb < Math.max(40, p.afterWarmupMb * 0.15));
export const failures = (r: LoadRun) => r.errors + KINDS.reduce((a, k) => a + r.byKind[k].other, 0);

export async function loadTest(o: { durationS: number; connections?: number; orgs?: number; users?: number; log?: (line: string) => void }): Promise<LoadRun> {
  const log = o.log ?? (() => undefined);
  const data = await prepareDataDir({ orgs: o.orgs ?? 300, users: o.users ?? 3000, agents: AGENTS, passwordLogN: 12 });
  const apps: AppProcess[] = [];
  try {
    // One after the other: the first start on a folder settles its schema before the second opens it.
    apps.push(await startApp(data.dataDir, data.env, { keepLogs: false }));
    apps.push(await startApp(data.dataDir, data.env, { keepLogs: false }));
    log(`two app processes on ${data.dataDir}: ${apps.map((a) => `${a.url} (pid ${a.child.pid})`).join(', ')}`);
    const cookies: string[] = [];
    for (let i = 0; i < SESSIONS; i++) cookies.push(await signIn(apps[i % 2]!.url, data.agents[i]!, data.password));
    const base = { data, cookies };

    let connections = o.connections;
    if (!connections) {
      let best = 0;
      for (const c of PROBE_CONNECTIONS) {
        const probe = await run(apps, c, PROBE_SECONDS, base);
        log(`probe: ${c} connections per process → ${probe.rps.toFixed(0)} req/s, p99 ${ms(probe.latency.p99)} ms, failures ${failures(probe)}`);
        if (failures(probe) > 0) break;
        // Past saturation more connections only queue: stop when the rate no longer rises by 5 %.
        if (probe.rps < best * 1.05) break;
        best = probe.rps;
        connections = c;
      }
      connections ??= PROBE_CONNECTIONS[0]!;
    }
    log(`run: ${connections} connections per process for ${o.durationS} s`);
    return await run(apps, connections, o.durationS, base, apps.map(() => []));
  } finally {
    for (const app of apps) app.child.kill('SIGTERM');
    await Promise.all(apps.map((a) => a.exited));
    fs.rmSync(data.dataDir, { recursive: true, force: true });
  }
}

const n = (v: number) => v.toLocaleString('en-US');

export function section(r: LoadRun, command: string, users: number, orgs: number): string {
  const kinds = KINDS.map((k) => `| ${k} | ${n(r.byKind[k].requests)} | ${n(r.byKind[k].ok)} | ${n(r.byKind[k].refused)} | ${n(r.byKind[k].other)} |`);
  const rss = r.rss.map((p, i) => `| app ${i + 1} | ${p.firstMb} | ${p.afterWarmupMb} | ${p.lastMb} | ${p.maxMb} |`);
  return [
    '## Load',
    '',
    `Generated by \`bench/load-mixed.ts\` (\`npm run load\`). Two app processes (\`node dist/src/main.js\`, NODE_ENV=test: production needs HTTPS) on one`,
    `embedded data folder (\`helpdesk seed --orgs ${orgs} --users ${users}\`), each with its own in-process search index following the`,
    'shared change outbox; autocannon on loopback, one instance per process, every connection sending in a loop: 5 searches and',
    '1 code send through the API (bearer tokens of 150 agents), 2 user pages and 2 org pages (HTML, 20 signed-in sessions).',
    'The number of connections is the highest that still raised the rate in 5-second probes (2, 4, 8, 16 per process).',
    '',
    `- command: \`${command}\``,
    `- date: ${new Date().toISOString().slice(0, 10)}; machine: ${os.availableParallelism()} cores, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}; Node.js ${process.version}`,
    `- load average at the end: ${os.loadavg().map((v) => v.toFixed(1)).join(', ')} (other work on the machine shares these cores)`,
    '',
    '| figure | value |',
    '| --- | ---: |',
    `| connections per process | ${r.connectionsPerApp} |`,
    `| duration | ${r.durationS} s |`,
    `| requests | ${n(r.requests)} |`,
    `| rate (both processes) | **${r.rps.toFixed(0)} req/s** |`,
    `| latency p50 / p95 / p99 | ${ms(r.latency.p50)} / ${ms(r.latency.p95)} / ${ms(r.latency.p99)} ms |`,
    `| errors (connection errors, timeouts, unexpected statuses) | **${failures(r)}** |`,
    `| code sends refused with 429 (per-user and per-agent limits, by design) | ${n(r.byKind['code send'].refused)} |`,
    `| memory flat (RSS growth after the first quarter < 15 % or 40 MB) | **${memoryFlat(r) ? 'yes' : 'no'}** |`,
    '',
    '| kind | requests | 2xx | 429 (refused) | other |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...kinds,
    '',
    `RSS in MB, sampled every ${RSS_EVERY_MS / 1000} s:`,
    '',
    '| process | first | after first quarter | last | max |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rss,
    '',
  ].join('\n');
}

/** Replaces the "Load" section of docs/benchmarks.md, or appends it; the other sections stay as they are. */
function writeSection(text: string): void {
  const file = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '', 'docs', 'benchmarks.md');
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.search(/^## Load$/m);
  if (start < 0) {
    fs.writeFileSync(file, `${doc.trimEnd()}\n\n${text}`);
    return;
  }
  const next = doc.slice(start + 1).search(/^## /m);
  const end = next < 0 ? doc.length : start + 1 + next;
  fs.writeFileSync(file, `${doc.slice(0, start)}${text}${next < 0 ? '' : `\n${doc.slice(end)}`}`);
}

if (require.main === module) {
  const durationS = Number(option('duration', '120'));
  const connections = option('connections') ? Number(option('connections')) : undefined;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  loadTest({ durationS, connections, log: say }).then((r) => {
    const text = section(r, `npm run load -- --duration ${durationS}${connections ? ` --connections ${connections}` : ''}`, 3000, 300);
    say(`\n${text}`);
    if (!process.argv.includes('--no-write')) {
      writeSection(text);
      say('written to the Load section of docs/benchmarks.md');
    }
    process.exit(failures(r) === 0 && memoryFlat(r) ? 0 : 1);
  }, (err: Error) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  });
}
