// Reliability, SIGTERM under load, on the real server (`node dist/src/main.js`): keep-alive
// clients hammer it, one request is in the middle of its upload, and the process gets SIGTERM.
// Readiness fails first while the server still serves; the clients stop sending once they see that,
// as a load balancer does, here a slow one: later than the 5 s the app waits for it. Every request
// sent gets its 2xx, none is reset (the listener stays open while connections arrive: closing it
// would reset those the kernel has queued), none refused; the process exits 0.
// Two clients stand for the classic resets of a drain: one whose kept-alive connection sat idle
// since before the signal and is used again during the drain, and one that connected just before
// the listener closed and sends its request just after.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { prepareDataDir, startApp, type AppProcess, type Prepared } from '../../bench/app-process';
import { requireBuilt, TEST_PASSWORD_LOG_N } from '../helpers/test-app';

interface Outcome { kind: string; sentAt: number; doneAt: number; status?: number; error?: string }

/** The ways a request already sent fails when the server drops its connection. */
const RESET = new Set(['ECONNRESET', 'EPIPE', 'socket hang up', 'ECONNABORTED']);

/** One GET on a raw connection opened now; the request is written when `send` is called. */
function rawConnection(port: number, path: string, authorization: string) {
  const socket = net.connect(port, '127.0.0.1');
  let answer = '';
  const done = new Promise<{ status: number } | { error: string }>((resolve) => {
    socket.on('data', (chunk) => { answer += chunk.toString(); });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve(m ? { status: Number(m[1]) } : { error: 'socket hang up' });
    });
  });
  // Settles on a refusal too: `done` then holds the error.
  const connected = new Promise<void>((resolve) => {
    socket.once('connect', () => resolve());
    socket.once('error', () => resolve());
  });
  return {
    connected,
    send: () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\n\r\n`),
    done,
  };
}

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
    data = await prepareDataDir({ orgs: 20, users: 200, agents: 8, passwordLogN: TEST_PASSWORD_LOG_N });
  }, 120_000);
  afterAll(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
    fs.rmSync(data.dataDir, { recursive: true, force: true });
  });

  test('then /readyz fails first, every request in flight or sent meanwhile gets its 2xx, none of them is reset, and it exits 0', async () => {
    app = await startApp(data.dataDir, data.env);
    const { url } = app;
    const [user] = data.users;
    const outcomes: Outcome[] = [];
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
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
        // Hammering, but each agent under the API's limit (600 a minute): at most 66 a second for 8 s.
        await new Promise((r) => setTimeout(r, 15));
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    // Its connection is kept alive, then idle from before the signal until it is used again during the drain.
    const idleTarget = `${url}/api/v1/users/${data.users[1]!.id}`;
    expect((await call(idleAgent, idleTarget, { headers: auth(1) })).status).toBe(200);

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
    const idleSentAt = Date.now();
    await call(idleAgent, idleTarget, { headers: auth(1) }).then(
      ({ status }) => outcomes.push({ kind: 'idle keep-alive', sentAt: idleSentAt, doneAt: Date.now(), status }),
      (err: NodeJS.ErrnoException) => outcomes.push({ kind: 'idle keep-alive', sentAt: idleSentAt, doneAt: Date.now(), error: err.code ?? err.message }),
    );
    // This load balancer acts on it only 6.5 s after the signal; the server keeps serving meanwhile.
    await new Promise((r) => setTimeout(r, Math.max(0, sigtermAt + 6_500 - Date.now())));
    stopSending = true;
    await Promise.all(workers);

    // Connected before the listener closes, its request sent only after.
    const late = rawConnection(app.port, `/api/v1/users/${user!.id}`, auth(2).authorization);
    await late.connected;
    const closed = await app.waitForLog('listener closed', 30_000);
    expect(closed.time).toBeGreaterThan(notReadyAt);
    await new Promise((r) => setTimeout(r, 300));
    const lateSentAt = Date.now();
    late.send();
    const lateOutcome = await late.done;
    outcomes.push({ kind: 'connected before the close', sentAt: lateSentAt, doneAt: Date.now(), ...lateOutcome });
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
    idleAgent.destroy();

    const resets = outcomes.filter((o) => o.error && RESET.has(o.error));
    expect(resets).toEqual([]);
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes.filter((o) => o.status! < 200 || o.status! >= 300)).toEqual([]);
    // Requests were in flight when the signal came, and requests kept being served after it.
    expect(outcomes.filter((o) => o.sentAt < sigtermAt && o.doneAt > sigtermAt).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.sentAt > sigtermAt).length).toBeGreaterThan(0);
    // Past the 5 s of the readiness grace: served, not refused, while connections kept arriving.
    expect(outcomes.filter((o) => o.sentAt > sigtermAt + 5_500 && o.status === 200).length).toBeGreaterThan(0);
    expect(outcomes.find((o) => o.kind === 'upload')).toMatchObject({ status: 202 });
    expect(outcomes.find((o) => o.kind === 'idle keep-alive')).toMatchObject({ status: 200 });
    expect(outcomes.find((o) => o.kind === 'connected before the close')).toMatchObject({ status: 200 });
  }, 120_000);
});
