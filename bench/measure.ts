// One data size, measured end to end in a fresh process: generate, import, cold start (store
// scan + index build), engine latency per query class against a naive scan, HTTP under load, pages.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app';
import { systemClock } from '../src/clock';
import { loadConfig } from '../src/config';
import { createAuthService } from '../src/features/auth/auth.service';
import { generateDemoData } from '../src/demo/demo-data';
import { importNdjson } from '../src/import/importer';
import { createLogger } from '../src/logger';
import { OutboxMailer } from '../src/mail/outbox/outbox-mailer';
import { orgNamesOf, storeDocs } from '../src/search-index/documents';
import { EmbeddedSearchIndex } from '../src/search-index/embedded/embedded-search-index';
import { Indexer } from '../src/search-index/indexer';
import { buildWorkerCount } from '../src/search-index/embedded/build-workers';
import { SEARCH_FIELDS } from '../src/search-index/search-index';
import { EMBEDDED_FILE } from '../src/store';
import { EmbeddedStore } from '../src/store/embedded/embedded-store';
import type { Device, Org, User } from '../src/store/records';
import { startApp } from './app-process';
import type { LoadJob, LoadResult } from './load';
import { HTTP_MIX, QUERY_CLASSES, makeQueries, type QueryClass, type Sample } from './queries';
import { latency, memory, Rng, type Latency } from './stats';

export interface SizeSpec { label: string; orgs: number; users: number }

export interface SizeResult {
  size: SizeSpec;
  lines: number;
  generateS: number;
  importS: number;
  importRate: number;
  docs: number;
  /** First start on a data folder: open the store, scan it, build the index, write its snapshot. */
  coldStartS: number;
  /** CPU time of the cold start: the figure that does not depend on what else runs on the machine. */
  coldStartCpuS: number;
  /** Of the cold start, writing the snapshot. */
  snapshotSaveS?: number;
  snapshotMb?: number;
  /** Documents per second of the build itself (the cold start less the snapshot write). */
  buildDocsPerS: number;
  /** Worker threads that read and prepared the records for the build. */
  buildWorkers?: number;
  /**
   * The app itself (`node dist/src/main.js`, a fresh process) on a data folder holding this store:
   * seconds from spawn to listening, with no snapshot yet and then with the one it wrote.
   */
  app?: { firstStartS: number; restartS: number };
  /** Restart on the same folder: load the snapshot, catch up with the outbox. */
  restartS?: number;
  restartCpuS?: number;
  heapMb: number;
  /** ArrayBuffers and Buffers outside the heap: most of the embedded index. */
  arrayBuffersMb?: number;
  rssMb: number;
  indexHeapMb: number;
  indexArrayBuffersMb?: number;
  engine: Record<QueryClass, Latency & { hits: number }>;
  /** The same searches in process CPU time: what they cost without the machine's other work. */
  engineCpu?: Record<QueryClass, Latency>;
  baseline: Record<QueryClass, Latency>;
  /** cpuMsPerRequest: the server process's CPU time per request, what throughput is bounded by on one free core. */
  http: Array<LoadResult & { connections: number; cpuMsPerRequest?: number }>;
  /** The same HTTP runs against the app itself as a group of processes, one per core (WEB_CONCURRENCY). */
  groupHttp?: { processes: number; runs: Array<LoadResult & { connections: number }> };
  pages: { user: Latency; org: Latency };
}

const PARTNER = 'p-north';
const PASSWORD = 'benchmark password 1234';
const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, (performance.now() - t) / 1000];
}

async function generate(spec: SizeSpec, file: string): Promise<number> {
  const out = fs.createWriteStream(file);
  let lines = 0;
  let chunk = '';
  for (const record of generateDemoData({ orgs: spec.orgs, users: spec.users, seed: 1 })) {
    chunk += `${JSON.stringify(record)}\n`;
    lines++;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.once('finish', () => r()));
  return lines;
}

/** Every n-th record of the partner: the pool the queries and pages are drawn from. */
async function sample(store: EmbeddedStore, every: number): Promise<Sample> {
  const s: Sample = { users: [], devices: [], orgs: [] };
  let i = 0;
  const take = <T extends { partnerId: string }>(into: T[], batch: T[]) => {
    for (const r of batch) if (r.partnerId === PARTNER && i++ % every === 0) into.push(r);
  };
  for await (const b of store.users.scan(1000)) take<User>(s.users, b);
  for await (const b of store.devices.scan(1000)) take<Device>(s.devices, b);
  for await (const b of store.orgs.scan(1000)) take<Org>(s.orgs, b);
  return s;
}

/**
 * What a `$regex` search does: every record of the partner, every searchable field, a
 * case-insensitive substring test; all matches are collected (they must be ranked before a top 20).
 */
async function baselineCorpus(store: EmbeddedStore): Promise<string[]> {
  const rows: string[] = [];
  for await (const docs of storeDocs(store, await orgNamesOf(store, 1000), 1000)) {
    for (const d of docs) if (d.partnerId === PARTNER) rows.push(SEARCH_FIELDS.flatMap((f) => d.fields[f]).join('\n'));
  }
  return rows;
}

function regexScan(rows: string[], q: string): number {
  const re = new RegExp(q.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  let found = 0;
  for (const row of rows) if (re.test(row)) found++;
  return found;
}

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('exit', (code) => { if (code !== 0) reject(new Error(`load generator exited with ${code}`)); });
    child.send(job);
  });
}

/** A signed-in browser session: the login form with its CSRF token, then the session cookie. */
async function signIn(base: string, email: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  const cookie = (page.headers.getSetCookie()).map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ email, password: PASSWORD, _csrf: csrf }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

async function pageTimes(base: string, cookie: string, paths: string[]): Promise<Latency> {
  const get = async (p: string) => {
    const t = performance.now();
    const res = await fetch(`${base}${p}`, { headers: { cookie } });
    await res.text();
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
    return performance.now() - t;
  };
  for (const p of paths.slice(0, 20)) await get(p);
  const times: number[] = [];
  for (const p of paths) times.push(await get(p));
  return latency(times);
}

/**
 * The app's own start, as an operator sees it: a fresh process on a data folder holding the store
 * (moved there), from spawn to listening; then a restart, which loads the snapshot the first start
 * wrote in the background.
 */
async function appStarts(storeFile: string, label: string): Promise<{ firstStartS: number; restartS: number; dataDir: string }> {
  const dataDir = path.join(path.dirname(storeFile), 'app');
  fs.mkdirSync(dataDir);
  fs.renameSync(storeFile, path.join(dataDir, EMBEDDED_FILE));
  const run = async () => {
    const t = performance.now();
    const app = await startApp(dataDir, {}, { keepLogs: true });
    const s = (performance.now() - t) / 1000;
    return { app, s };
  };
  log(`${label}: the app's first start (node dist/src/main.js, no snapshot yet)`);
  const first = await run();
  await first.app.waitForLog('search index snapshot saved', 300_000);
  first.app.child.kill('SIGTERM');
  await first.app.exited;
  log(`${label}: the app's restart (its snapshot in the data folder)`);
  const second = await run();
  await second.app.waitForLog('search index loaded from its snapshot', 1000);
  second.app.child.kill('SIGTERM');
  await second.app.exited;
  return { firstStartS: first.s, restartS: second.s, dataDir };
}

/**
 * HTTP again, against the app as deployed on a machine it has to itself: `node dist/src/main.js`
 * with WEB_CONCURRENCY = the cores, so that the processes share the port and each serves on its own
 * core. It logs every request (LOG_LEVEL=info, the default), which the in-process runs do not.
 */
async function groupHttp(
  dataDir: string, label: string, job: Omit<LoadJob, 'url' | 'connections'>,
): Promise<NonNullable<SizeResult['groupHttp']>> {
  const processes = os.availableParallelism();
  log(`${label}: HTTP against the app as ${processes} processes (WEB_CONCURRENCY=${processes})`);
  const app = await startApp(dataDir, { WEB_CONCURRENCY: String(processes) });
  try {
    await app.waitForLog('all app processes ready', 300_000);
    await runLoad({ ...job, url: app.url, connections: 10, durationS: 2 });
    const runs: NonNullable<SizeResult['groupHttp']>['runs'] = [];
    for (const connections of [1, 10]) runs.push({ connections, ...await runLoad({ ...job, url: app.url, connections }) });
    return { processes, runs };
  } finally {
    app.child.kill('SIGTERM');
    await app.exited;
  }
}

export async function measure(spec: SizeSpec, opts: { httpSeconds: number }): Promise<SizeResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `helpdesk-bench-${spec.label}-`));
  try {
    const dataFile = path.join(dir, 'data.ndjson');
    const storeFile = path.join(dir, 'store.db');

    log(`${spec.label}: generating ${spec.orgs} orgs, ${spec.users} users`);
    const [lines, generateS] = await timed(() => generate(spec, dataFile));

    log(`${spec.label}: importing ${lines} lines`);
    let store = new EmbeddedStore(storeFile);
    const [summary, importS] = await timed(() => importNdjson(store, fs.createReadStream(dataFile)));
    if (summary.failed.length) throw new Error(`import failed: ${JSON.stringify(summary.failed.slice(0, 3))}`);
    await store.close();
    fs.rmSync(dataFile);

    log(`${spec.label}: cold start (open store, build index; its snapshot is then written in the background)`);
    const logger = createLogger('silent');
    const before = memory();
    const snapshotFile = path.join(dir, 'search-index.snapshot');
    // As the app runs it on the embedded store: records read and prepared in worker threads.
    const first = new EmbeddedSearchIndex({ snapshotFile, storeFile });
    // The index serves searches once built; its snapshot is written after, in the background (timed on its own).
    let snapshotSaveS = 0;
    const snapshots = first.snapshots!;
    const save = snapshots.save.bind(snapshots);
    snapshots.save = async (position) => {
      const t = performance.now();
      const bytes = await save(position);
      snapshotSaveS = (performance.now() - t) / 1000;
      return bytes;
    };
    const cpu = process.cpuUsage();
    let firstIndexer: Indexer | undefined;
    const [built, coldStartS] = await timed(async () => {
      store = new EmbeddedStore(storeFile);
      firstIndexer = new Indexer(store, first, logger);
      return firstIndexer.open();
    });
    const cpuUsed = process.cpuUsage(cpu);
    await firstIndexer!.snapshotWritten();
    const coldStartCpuS = (cpuUsed.user + cpuUsed.system) / 1e6;
    if (!built.rebuilt) throw new Error('the first start did not build the index');
    const after = memory();
    const snapshotMb = fs.statSync(snapshotFile).size / 1024 / 1024;

    log(`${spec.label}: restart (load the snapshot, catch up)`);
    const search = new EmbeddedSearchIndex({ snapshotFile });
    const cpu2 = process.cpuUsage();
    const [restarted, restartS] = await timed(() => new Indexer(store, search, logger).open());
    const cpu2Used = process.cpuUsage(cpu2);
    if (restarted.rebuilt || restarted.count !== built.count) throw new Error(`the restart did not load the snapshot: ${JSON.stringify(restarted)}`);
    await first.close();

    const s = await sample(store, Math.max(1, Math.round(spec.users / 4000)));
    const perClass = 300;
    const queries = makeQueries(s, perClass);

    log(`${spec.label}: engine latency`);
    const engine = {} as SizeResult['engine'];
    const engineCpu = {} as NonNullable<SizeResult['engineCpu']>;
    for (const c of QUERY_CLASSES) for (const q of queries[c]) await search.search({ q, partnerId: PARTNER });
    for (const c of QUERY_CLASSES) {
      const times: number[] = [];
      const cpuTimes: number[] = [];
      let hits = 0;
      for (const q of queries[c]) {
        const c0 = process.cpuUsage();
        const t = performance.now();
        const r = await search.search({ q, partnerId: PARTNER });
        times.push(performance.now() - t);
        const used = process.cpuUsage(c0);
        cpuTimes.push((used.user + used.system) / 1000);
        hits += r.hits.length;
      }
      engine[c] = { ...latency(times), hits: hits / queries[c].length };
      engineCpu[c] = latency(cpuTimes);
    }

    log(`${spec.label}: naive baseline`);
    const rows = await baselineCorpus(store);
    const baseline = {} as SizeResult['baseline'];
    const baselineQueries = spec.users > 200_000 ? 25 : 100;
    for (const c of QUERY_CLASSES) {
      const times: number[] = [];
      for (const q of queries[c].slice(0, baselineQueries)) {
        const t = performance.now();
        regexScan(rows, q);
        times.push(performance.now() - t);
      }
      baseline[c] = latency(times);
    }
    rows.length = 0;

    log(`${spec.label}: HTTP`);
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const auth = createAuthService(store, systemClock, 10);
    const mailer = new OutboxMailer(store, systemClock);
    const app = createApp({ config, store, search, clock: systemClock, logger, mailer, passwordLogN: 10 });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // 600 API requests a minute per agent: a pool of agents keeps the limiter out of the figures.
      const tokens: string[] = [];
      for (let i = 0; i < 300; i++) {
        const email = `bench${i}@northwind.example`;
        await auth.createAgent({ partnerId: PARTNER, email, name: `Bench ${i}`, role: 'helpdesk', password: PASSWORD });
        tokens.push((await auth.createToken(email, 'bench')).token);
      }
      const r = new Rng(11);
      const weighted = HTTP_MIX.flatMap(([c, w]) => Array.from({ length: w }, () => c));
      const paths = Array.from({ length: 2000 }, () => `/api/v1/search?q=${encodeURIComponent(r.pick(queries[r.pick(weighted)]))}`);
      const http: SizeResult['http'] = [];
      await runLoad({ url: base, paths, tokens, connections: 10, durationS: 2 });
      for (const connections of [1, 10]) {
        const c0 = process.cpuUsage();
        const load = await runLoad({ url: base, paths, tokens, connections, durationS: opts.httpSeconds });
        const used = process.cpuUsage(c0);
        http.push({ connections, ...load, cpuMsPerRequest: (used.user + used.system) / 1000 / Math.max(1, load.requests) });
      }

      log(`${spec.label}: pages`);
      const cookie = await signIn(base, 'bench0@northwind.example');
      const pr = new Rng(13);
      const userPaths = Array.from({ length: 200 }, () => `/users/${pr.pick(s.users).id}`);
      const orgPaths = Array.from({ length: 200 }, () => `/orgs/${pr.pick(s.orgs).id}`);
      const pages = { user: await pageTimes(base, cookie, userPaths), org: await pageTimes(base, cookie, orgPaths) };

      server.closeAllConnections();
      server.close();
      await store.close();
      const { dataDir, ...app } = await appStarts(storeFile, spec.label);
      // The HTTP goal is set at 100k; at 1m a second process would hold a second copy of the index.
      const group = spec.users < 500_000 ? await groupHttp(dataDir, spec.label, { paths, tokens, durationS: opts.httpSeconds }) : undefined;
      return {
        app, groupHttp: group,
        size: spec, lines, generateS, importS, importRate: lines / importS,
        docs: built.count, coldStartS, coldStartCpuS, snapshotSaveS, snapshotMb,
        buildDocsPerS: built.count / coldStartS, buildWorkers: buildWorkerCount(),
        restartS, restartCpuS: (cpu2Used.user + cpu2Used.system) / 1e6,
        heapMb: after.heapMb, arrayBuffersMb: after.arrayBuffersMb, rssMb: after.rssMb,
        indexHeapMb: after.heapMb - before.heapMb, indexArrayBuffersMb: after.arrayBuffersMb - before.arrayBuffersMb,
        engine, engineCpu, baseline, http, pages,
      };
    } finally {
      server.closeAllConnections();
      server.close();
      await mailer.close();
      await store.close(); // a second close is harmless
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
