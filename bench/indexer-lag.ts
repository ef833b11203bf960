// `node dist/bench/indexer-lag.js [users] [clients]` (after `npm run build`): how far behind the
// store's change outbox each of two app processes on ONE data folder falls while `helpdesk import`
// rewrites the demo data set (3,000 users by default) and `clients` keep-alive clients search.
// The first process builds the index, the second starts from its snapshot, as in a process group.
// Prints, per process, the largest lag seen ("behindMs" of its catch-ups) and when it caught up.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_DEFAULTS, generateDemoData } from '../src/demo/demo-data';
import { prepareDataDir, startApp, type AppProcess } from './app-process';

const ROOT = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

async function main(): Promise<void> {
  const users = Number(process.argv[2] ?? DEMO_DEFAULTS.users);
  const clients = Number(process.argv[3] ?? 8);
  const data = await prepareDataDir({ orgs: DEMO_DEFAULTS.orgs, users, agents: 2, passwordLogN: 10 });
  const file = path.join(os.tmpdir(), `helpdesk-lag-${process.pid}.ndjson`);
  // The seed's own records again: every one an update, every org one the second process did not build.
  fs.writeFileSync(file, [...generateDemoData({ orgs: DEMO_DEFAULTS.orgs, users, seed: DEMO_DEFAULTS.seed })].map((r) => `${JSON.stringify(r)}\n`).join(''));
  const env = { ...data.env, LOG_LEVEL: 'debug' };
  const first = await startApp(data.dataDir, env);
  await first.waitForLog('search index snapshot saved', 120_000);
  const second = await startApp(data.dataDir, env);
  let stop = false;
  const agent = new http.Agent({ keepAlive: true });
  const search = (app: AppProcess, token: string) => new Promise<void>((resolve) => {
    http.get(`${app.url}/api/v1/search?q=dupr`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    }).on('error', () => resolve());
  });
  const load = Array.from({ length: clients }, async (_, i) => {
    while (!stop) await search(i % 2 ? first : second, data.tokens[i % data.tokens.length]!);
  });
  const started = Date.now();
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'helpdesk.js'), 'import', file], {
    env: { ...process.env, DATA_DIR: data.dataDir, NODE_ENV: 'test', LOG_LEVEL: 'warn' }, maxBuffer: 1 << 26,
  });
  const importMs = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  stop = true;
  await Promise.all(load);
  agent.destroy();
  console.log(`import of ${users} users: ${(importMs / 1000).toFixed(1)} s, ${clients} clients searching`);
  for (const [name, app] of [['first (built the index)', first], ['second (from the snapshot)', second]] as const) {
    const caughtUp = app.lines.filter((l) => l.includes('caught up with the outbox')).map((l) => JSON.parse(l) as { behindMs: number; applied: number; time: number });
    const worst = Math.max(0, ...caughtUp.map((c) => c.behindMs));
    const last = caughtUp.at(-1);
    console.log(`${name}: ${caughtUp.reduce((n, c) => n + c.applied, 0)} changes applied, at most ${(worst / 1000).toFixed(2)} s behind, `
      + `caught up ${last ? ((last.time - started) / 1000).toFixed(1) : '-'} s after the import began`);
    app.child.kill('SIGINT');
  }
  await Promise.all([first.exited, second.exited]);
  fs.rmSync(file, { force: true });
  fs.rmSync(data.dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
