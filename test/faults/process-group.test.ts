// WEB_CONCURRENCY=2 on the real server (`node dist/src/main.js`): two app processes share the port
// and both answer; the second loads the first one's index snapshot instead of building it again; a
// process that dies is replaced; SIGTERM stops them all and the group exits 0.
import fs from 'node:fs';
import { prepareDataDir, startApp, type AppProcess, type Prepared } from '../../bench/app-process';
import { requireBuilt, TEST_PASSWORD_LOG_N } from '../helpers/test-app';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('when the app runs as a group of two processes (WEB_CONCURRENCY=2)', () => {
  let data: Prepared;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    requireBuilt('src/main.js');
    data = await prepareDataDir({ orgs: 20, users: 200, agents: 2, passwordLogN: TEST_PASSWORD_LOG_N });
  }, 120_000);
  afterAll(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) {
      process.kill(-app.child.pid!, 'SIGKILL');
    }
    fs.rmSync(data.dataDir, { recursive: true, force: true });
  });

  const logs = () => app!.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; pid: number; req?: { path: string } });
  const answeredBy = async (count: number) => {
    const pids = new Set<number>();
    const before = logs().length;
    for (let i = 0; i < count; i++) {
      // A new connection each time: the primary hands connections to the processes in turn.
      const res = await fetch(`${app!.url}/api/v1/search?q=${encodeURIComponent(data.users[i]!.email.slice(0, 4))}`, {
        headers: { authorization: `Bearer ${data.tokens[i % data.tokens.length]}`, connection: 'close' },
      });
      expect(res.status).toBe(200);
      expect((await res.json() as { hits: unknown[] }).hits.length).toBeGreaterThan(0);
    }
    for (const entry of logs().slice(before)) if (entry.req?.path === '/api/v1/search') pids.add(entry.pid);
    return pids;
  };

  test('then both answer, a process that dies is replaced, and SIGTERM stops every one with exit 0', async () => {
    app = await startApp(data.dataDir, { ...data.env, WEB_CONCURRENCY: '2' }, { detached: true });
    const ready = await app.waitForLog('all app processes ready', 60_000);
    // Each process writes its own lines to the shared output: the primary's may come first.
    const listening = () => logs().filter((e) => e.msg.startsWith('listening on'));
    await waitFor(() => listening().length === 2);
    const started = listening().map((e) => e.pid);
    expect(started).toHaveLength(2);
    expect(started).not.toContain(ready.pid);
    // The first built the index; the second started after it was ready, from its snapshot.
    expect(logs().filter((e) => e.msg === 'search index loaded from its snapshot').map((e) => e.pid)).toEqual([started[1]]);

    expect([...await answeredBy(10)].sort()).toEqual([...started].sort());

    process.kill(started[0]!, 'SIGKILL');
    const replaced = await app.waitForLog('an app process stopped: starting another', 10_000);
    expect(replaced).toMatchObject({ pid: ready.pid, appProcess: started[0], signal: 'SIGKILL' });
    await waitFor(() => listening().length === 3);
    const replacement = listening().at(-1)!.pid;
    expect([...await answeredBy(10)].sort()).toEqual([started[1]!, replacement].sort());

    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(alive(started[1]!) || alive(replacement)).toBe(false);
    expect(logs().filter((e) => e.msg === 'stopped').map((e) => e.pid).sort()).toEqual([started[1]!, replacement].sort());
  }, 120_000);
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
