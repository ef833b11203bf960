// Sign-in must not tell which addresses are agents: an unknown address fails, counts, locks and
// unlocks exactly like an agent's address with a wrong password, and costs the same scrypt work.
import request from 'supertest';
import { LOCK_AFTER_FAILURES, LOCK_MS } from '../../src/features/auth/auth.service';
import { passwordHashing } from '../../src/features/auth/passwords';
import { buildTestApp, csrfFrom, type TestApp } from '../helpers/test-app';

const AGENT = 'agent@alpha.example';
const UNKNOWN = 'nobody@alpha.example';
let t: TestApp;

beforeEach(async () => {
  t = await buildTestApp();
  await t.store.partners.upsert({ id: 'p-a', name: 'Alpha' });
  await t.addAgent('p-a', AGENT);
});
afterEach(() => t.close());

interface Answer { status: number; message: string; hashes: number }

/** One wrong-password sign-in: what the person sees, and how many scrypt hashes it cost. */
async function wrongSignIn(email: string): Promise<Answer> {
  const client = request.agent(t.app);
  const page = await client.get('/login').expect(200);
  const before = passwordHashing.completed;
  const res = await client.post('/login').type('form').send({ email, password: 'not the password', _csrf: csrfFrom(page.text) });
  const message = /role="alert">([^<]*)</.exec(res.text)?.[1] ?? '';
  return { status: res.status, message, hashes: passwordHashing.completed - before };
}

async function series(email: string, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) answers.push(await wrongSignIn(email));
  return answers;
}

test(`when an agent's address and an unknown one fail ${LOCK_AFTER_FAILURES + 2} times, then every answer is the same, the ${LOCK_AFTER_FAILURES}th included`, async () => {
  const known = await series(AGENT, LOCK_AFTER_FAILURES + 2);
  const unknown = await series(UNKNOWN, LOCK_AFTER_FAILURES + 2);
  expect(unknown).toEqual(known);
  expect(known[LOCK_AFTER_FAILURES - 2]).toEqual({ status: 401, message: 'Email or password is wrong.', hashes: 1 });
  expect(known[LOCK_AFTER_FAILURES - 1]).toEqual({ status: 401, message: 'Too many failed sign-ins. Try again in 15 minutes.', hashes: 1 });
  // Locked: refused before any hash, for both.
  expect(known[LOCK_AFTER_FAILURES].hashes).toBe(0);
});

test('when both locks end, then both addresses answer "wrong" again, and lock again after as many failures', async () => {
  await series(AGENT, LOCK_AFTER_FAILURES);
  await series(UNKNOWN, LOCK_AFTER_FAILURES);
  t.clock.advance(LOCK_MS - 60_000);
  expect(await wrongSignIn(UNKNOWN)).toEqual(await wrongSignIn(AGENT));
  t.clock.advance(61_000);
  const known = await series(AGENT, LOCK_AFTER_FAILURES);
  const unknown = await series(UNKNOWN, LOCK_AFTER_FAILURES);
  expect(unknown).toEqual(known);
  expect(known[0].message).toBe('Email or password is wrong.');
  expect(known[LOCK_AFTER_FAILURES - 1].message).toMatch(/^Too many failed sign-ins/);
});
