// The contract cases of src/store/rate-limits/ (its port.ts), run on every store adapter by
// test/contract/store.contract.ts; each test writes records of its own (the store may be shared).
import type { Store } from '../../../src/store/store';
import { type StoreContract, uid, MINUTE } from './helpers';

export function rateLimitsContract(c: StoreContract): void {
  let s: Store;
  beforeAll(() => { s = c.store(); });

  describe('rate limits', () => {
    const WINDOW = 15 * MINUTE;

    test('when a key is hit within one window, then the count rises and the window end stays fixed', async () => {
      const key = `rl:${uid()}`;
      const t0 = new Date();
      const first = await s.rateLimits.hit(key, WINDOW, t0);
      const second = await s.rateLimits.hit(key, WINDOW, new Date(t0.getTime() + MINUTE));
      const third = await s.rateLimits.hit(key, WINDOW, new Date(t0.getTime() + 2 * MINUTE));

      expect([first.count, second.count, third.count]).toEqual([1, 2, 3]);
      expect(first.resetAt.getTime()).toBe(t0.getTime() + WINDOW);
      expect(third.resetAt.getTime()).toBe(first.resetAt.getTime());
      expect(await s.rateLimits.count(key, new Date(t0.getTime() + 3 * MINUTE))).toBe(3);
      expect(await s.rateLimits.count(`rl:${uid()}`, t0)).toBe(0);
    });

    test('when the window has ended, then count answers 0 and the next hit opens a new window', async () => {
      const key = `rl:${uid()}`;
      const t0 = new Date();
      await s.rateLimits.hit(key, WINDOW, t0);
      await s.rateLimits.hit(key, WINDOW, t0);
      const end = new Date(t0.getTime() + WINDOW);

      expect(await s.rateLimits.count(key, end)).toBe(0);
      const next = await s.rateLimits.hit(key, WINDOW, end);
      expect(next.count).toBe(1);
      expect(next.resetAt.getTime()).toBe(end.getTime() + WINDOW);
    });

    test('when a hit is decremented, then the count drops by one but never below zero', async () => {
      const key = `rl:${uid()}`;
      const t0 = new Date();
      await s.rateLimits.hit(key, WINDOW, t0);
      await s.rateLimits.hit(key, WINDOW, t0);

      await s.rateLimits.decrement(key);
      expect(await s.rateLimits.count(key, t0)).toBe(1);
      await s.rateLimits.decrement(key);
      await s.rateLimits.decrement(key);
      expect(await s.rateLimits.count(key, t0)).toBe(0);
      expect((await s.rateLimits.hit(key, WINDOW, t0)).count).toBe(1);
      await s.rateLimits.decrement(`rl:${uid()}`);
    });

    test('when a key is reset, then its count is 0 and the next hit starts over', async () => {
      const key = `rl:${uid()}`;
      const t0 = new Date();
      await s.rateLimits.hit(key, WINDOW, t0);
      await s.rateLimits.hit(key, WINDOW, t0);

      await s.rateLimits.reset(key);
      expect(await s.rateLimits.count(key, t0)).toBe(0);
      const t1 = new Date(t0.getTime() + MINUTE);
      expect(await s.rateLimits.hit(key, WINDOW, t1)).toEqual({ count: 1, resetAt: new Date(t1.getTime() + WINDOW) });
    });

    test('when two keys are hit, including at the same moment, then each counts its own hits', async () => {
      const a = `rl:${uid()}`;
      const b = `rl:${uid()}`;
      const t0 = new Date();
      await Promise.all([1, 2, 3, 4, 5].map(() => s.rateLimits.hit(a, WINDOW, t0)));
      await s.rateLimits.hit(b, WINDOW, t0);

      expect(await s.rateLimits.count(a, t0)).toBe(5);
      expect(await s.rateLimits.count(b, t0)).toBe(1);
    });
  });
}
