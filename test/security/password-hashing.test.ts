// Password hashing cannot stall the app: scrypt runs through a queue with its own limits (a few at
// once, a few waiting), and a sign-in beyond them is refused at once with 503 and Retry-After,
// while static files and health checks keep answering.
import request from 'supertest';
import { isAppError } from '../../src/errors';
import { HashQueue, passwordHashing } from '../../src/features/auth/passwords';
import { buildTestApp, csrfFrom, PASSWORD, type TestApp } from '../helpers/test-app';

test('when more hashes are asked for than run and wait, then exactly the excess is refused with 503 and a retry delay, and the rest complete', async () => {
  const queue = new HashQueue(2, 3);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const started: number[] = [];
  const outcomes = Array.from({ length: 10 }, (_, i) => queue.run(async () => { started.push(i); await gate; return i; })
    .then((v) => ({ ok: v }), (err: unknown) => ({ refused: isAppError(err) ? [err.status, err.details.retryAfterSeconds] : err })));
  await new Promise((r) => setImmediate(r));
  expect(queue.stats).toEqual({ running: 2, waiting: 3, completed: 0 });
  expect(started).toEqual([0, 1]);
  release();
  const results = await Promise.all(outcomes);
  expect(results.filter((r) => 'ok' in r).map((r) => (r as { ok: number }).ok)).toEqual([0, 1, 2, 3, 4]);
  expect(results.filter((r) => 'refused' in r)).toEqual(Array(5).fill({ refused: [503, 2] }));
  expect(queue.stats).toEqual({ running: 0, waiting: 0, completed: 5 });
});

test('when a hash fails, then its slot is freed for the next one', async () => {
  const queue = new HashQueue(1, 1);
  await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(queue.run(async () => 'next')).resolves.toBe('next');
  expect(queue.stats).toEqual({ running: 0, waiting: 0, completed: 2 });
});

describe('the app under a burst of failed sign-ins', () => {
  let t: TestApp;
  const limits = { concurrency: passwordHashing.concurrency, maxWaiting: passwordHashing.maxWaiting };
  beforeEach(async () => {
    // A real cost (32 MiB, tens of ms per hash) and small limits, so that a burst overflows the queue.
    passwordHashing.concurrency = 1;
    passwordHashing.maxWaiting = 2;
    t = await buildTestApp({ passwordLogN: 15 });
    await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
    await t.addAgent('p-a', 'agent@alpha.example');
  });
  afterEach(async () => {
    Object.assign(passwordHashing, limits);
    await t.close();
  });

  test('when 24 sign-ins arrive at once, then those beyond the queue get 503 with Retry-After, CSS and /healthz still answer 200, and the agent signs in afterwards', async () => {
    const page = await request(t.app).get('/login').expect(200);
    const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const csrf = csrfFrom(page.text);
    let peak = 0;
    const watch = setInterval(() => { peak = Math.max(peak, passwordHashing.stats.running + passwordHashing.stats.waiting); }, 1);
    const signIns = Array.from({ length: 24 }, (_, i) => request(t.app).post('/login').set('Cookie', cookie).set('Accept', 'text/html')
      .type('form').send({ email: `nobody${i}@alpha.example`, password: 'wrong password', _csrf: csrf }));
    const others = [request(t.app).get('/css/app.css'), request(t.app).get('/healthz')];
    const [answers, otherAnswers] = await Promise.all([Promise.all(signIns), Promise.all(others)]);
    clearInterval(watch);

    expect(otherAnswers.map((r) => r.status)).toEqual([200, 200]);
    const refused = answers.filter((r) => r.status === 503);
    expect(answers.filter((r) => r.status !== 503).every((r) => r.status === 401)).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers['retry-after']).toBe('2');
      expect(r.text).toContain('Try again in a moment');
    }
    expect(peak).toBeLessThanOrEqual(3);

    // The burst is over: the agent signs in as usual.
    const client = request.agent(t.app);
    const again = await client.get('/login').expect(200);
    await client.post('/login').type('form').send({ email: 'agent@alpha.example', password: PASSWORD, _csrf: csrfFrom(again.text) }).expect(303);
  });
});
