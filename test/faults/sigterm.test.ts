// ENGINEERING 3, SIGTERM under load, on the real server (`node dist/src/main.js`): keep-alive
// clients keep calling, one request is in the middle of its upload, and the process gets SIGTERM.
// Readiness fails first while the server still serves; the client stops sending once it sees that,
// as a load balancer does; every request sent gets its 2xx, none is reset; the process exits 0.
import fs from 'node:fs';
import http from 'node:http';
import { prepareDataDir, startApp, type AppProcess, type Prepared } from '../../bench/app-process';
import { requireBuilt, TEST_PASSWORD_LOG_N } from '../helpers/test-app';

interface Outcome { kind: string; sentAt: number; doneAt: number; status?: number; error?: string }

function call(agent: http.Agent | false, url: string, options: http.RequestOptions = {}, body?: (req: http.ClientRequest) => void): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, ...options }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) body(req);
    else req.end();
  });
}

describe('when the server gets SIGTERM under load', () => {
  let data: Prepared;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    requireBuilt('src/main.js');
    data = await prepareDataDir({ orgs: 20, users: 200, agents: 4, passwordLogN: TEST_PASSWORD_LOG_N });
  }, 120_000);
  afterAll(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
    fs.rmSync(data.dataDir, { recursive: true, force: true });
  });

  test('then /readyz fails first, every request in flight or sent meanwhile gets its 2xx, none is reset, and it exits 0', async () => {
    app = await startApp(data.dataDir, data.env);
    const { url } = app;
    const [user] = data.users;
    const outcomes: Outcome[] = [];
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const auth = (i: number) => ({ authorization: `Bearer ${data.tokens[i % data.tokens.length]}` });

    let stopSending = false;
    const worker = async (w: number) => {
      for (let i = 0; !stopSending; i++) {
        const kind = i % 2 ? 'user' : 'search';
        const target = kind === 'user' ? `${url}/api/v1/users/${data.users[i % data.users.length]!.id}` : `${url}/api/v1/search?q=${encodeURIComponent(data.users[i % data.users.length]!.email.slice(0, 4))}`;
        const sentAt = Date.now();
        try {
          const { status } = await call(keepAlive, target, { headers: auth(w) });
          outcomes.push({ kind, sentAt, doneAt: Date.now(), status });
        } catch (err) {
          outcomes.push({ kind, sentAt, doneAt: Date.now(), error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
        }
        // Slow-ish clients: an agent's requests are spread out, never a tight loop.
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));

    // An upload in progress at SIGTERM: headers and half the body now, the rest only once the listener has closed.
    let finishUpload!: () => void;
    const uploadSentAt = Date.now();
    const upload = call(false, `${url}/api/v1/users/${user!.id}/verifications`, {
      method: 'POST', headers: { ...auth(0), 'content-type': 'application/json', 'content-length': '2' },
    }, (req) => {
      req.write('{');
      finishUpload = () => req.end('}');
    }).then(
      ({ status }) => outcomes.push({ kind: 'upload', sentAt: uploadSentAt, doneAt: Date.now(), status }),
      (err: NodeJS.ErrnoException) => outcomes.push({ kind: 'upload', sentAt: uploadSentAt, doneAt: Date.now(), error: err.code ?? err.message }),
    );

    await new Promise((r) => setTimeout(r, 1500));
    const sigtermAt = Date.now();
    app.child.kill('SIGTERM');

    // The load balancer's view: readiness on a new connection every 50 ms, until it fails.
    let notReadyAt = 0;
    while (!notReadyAt && Date.now() - sigtermAt < 10_000) {
      const { status } = await call(false, `${url}/readyz`);
      if (status === 503) notReadyAt = Date.now();
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(notReadyAt).toBeGreaterThan(0);
    // It takes the load balancer a moment to act on it; the server keeps serving meanwhile.
    await new Promise((r) => setTimeout(r, 1000));
    stopSending = true;
    await Promise.all(workers);

    const closed = await app.waitForLog('listener closed', 30_000);
    expect(closed.time).toBeGreaterThan(notReadyAt);
    finishUpload();
    await upload;

    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      app.exited,
      new Promise((r) => { timer = setTimeout(() => r('still running 40 s after SIGTERM'), 40_000); }),
    ]);
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });
    keepAlive.destroy();

    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes.filter((o) => o.status! < 200 || o.status! >= 300)).toEqual([]);
    // Requests were in flight when the signal came, and requests kept being served after it.
    expect(outcomes.filter((o) => o.sentAt < sigtermAt && o.doneAt > sigtermAt).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.sentAt > sigtermAt).length).toBeGreaterThan(0);
    expect(outcomes.find((o) => o.kind === 'upload')).toMatchObject({ status: 202 });
  }, 120_000);
});
