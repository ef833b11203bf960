// WEB_CONCURRENCY=2 on the real server (`node dist/src/main.js`): /metrics, whichever process
// answers it, counts the requests of both (the primary adds up the workers' registries).
import fs from 'node:fs';
import { prepareDataDir, startApp, type AppProcess, type Prepared } from '../../bench/app-process';
import { requireBuilt, TEST_PASSWORD_LOG_N } from '../helpers/test-app';

const SEARCHES = 12;

describe('when the app runs as a group of two processes (WEB_CONCURRENCY=2)', () => {
  let data: Prepared;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    requireBuilt('src/main.js');
    data = await prepareDataDir({ orgs: 10, users: 50, agents: 2, passwordLogN: TEST_PASSWORD_LOG_N });
  }, 120_000);
  afterAll(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) {
      process.kill(-app.child.pid!, 'SIGTERM');
      await app.exited;
    }
    fs.rmSync(data.dataDir, { recursive: true, force: true });
  });

  test('then /metrics counts the searches both processes answered', async () => {
    app = await startApp(data.dataDir, { ...data.env, WEB_CONCURRENCY: '2' }, { detached: true });
    const listening = () => app!.lines.filter((l) => l.includes('"msg":"listening on')).length;
    for (let i = 0; i < 300 && listening() < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(listening()).toBe(2);

    const pids = new Set<number>();
    for (let i = 0; i < SEARCHES; i++) {
      // A new connection each time: the primary hands connections to the processes in turn.
      const res = await fetch(`${app.url}/api/v1/search?q=${encodeURIComponent(data.users[i]!.email.slice(0, 4))}`, {
        headers: { authorization: `Bearer ${data.tokens[i % data.tokens.length]}`, connection: 'close' },
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    for (const line of app.lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { pid: number; req?: { path: string } };
      if (entry.req?.path === '/api/v1/search') pids.add(entry.pid);
    }
    expect(pids.size).toBe(2);

    const series = /^helpdesk_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/search",status="200"\} (\d+)$/m;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${app.url}/metrics`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(Number(series.exec(text)?.[1])).toBe(SEARCHES);
    }
  }, 120_000);
});
