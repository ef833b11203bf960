// Password hashing with scrypt (OWASP: N=2^17, r=8, p=1). The parameters travel in the hash,
// so the cost can be raised later and old hashes still verify.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { unavailable } from '../../errors';

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;

export const PRODUCTION_LOG_N = 17;
const KEY_LEN = 32;

/** How long a refused caller is told to wait: a few hashes' time. */
export const HASH_BUSY_RETRY_AFTER_S = 2;

/**
 * Admission control for scrypt. Each hash holds one of libuv's four pool threads (the ones file
 * reads, DNS lookups and other crypto also wait on) and 128 MiB for about a third of a second, so
 * unbounded sign-in attempts would starve every other request and grow memory without limit.
 * At most `concurrency` hashes run at once, at most `maxWaiting` wait their turn, and anything
 * beyond is refused at once (503 with Retry-After) instead of queueing without end.
 */
export class HashQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Hashes run to completion (for tests and operators). */
  completed = 0;

  constructor(public concurrency: number, public maxWaiting: number) {}

  get stats(): { running: number; waiting: number; completed: number } {
    return { running: this.running, waiting: this.waiting.length, completed: this.completed };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) {
      this.running++;
    } else {
      if (this.waiting.length >= this.maxWaiting) {
        throw unavailable('Too many sign-ins are being checked right now. Try again in a few seconds.', HASH_BUSY_RETRY_AFTER_S);
      }
      // The finishing task hands its slot over, so `running` stays counted.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      this.completed++;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * One per process, like the thread pool it protects: two hashes at once leave half of the pool
 * to everything else, and ten waiting (about 1.5 s of work) absorb a burst of honest sign-ins.
 */
export const passwordHashing = new HashQueue(2, 10);

export async function hashPassword(password: string, logN = PRODUCTION_LOG_N): Promise<string> {
  const salt = crypto.randomBytes(16);
  const N = 2 ** logN;
  const key = await passwordHashing.run(() => scrypt(password, salt, KEY_LEN, { N, r: 8, p: 1, maxmem: 256 * N * 8 }));
  return `scrypt$${logN}$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !hash) return false;
  const N = 2 ** Number(logN);
  const expected = Buffer.from(hash, 'base64url');
  const key = await passwordHashing.run(() => scrypt(password, Buffer.from(salt, 'base64url'), expected.length,
    { N, r: Number(r), p: Number(p), maxmem: 256 * N * Number(r) }));
  return crypto.timingSafeEqual(key, expected);
}
