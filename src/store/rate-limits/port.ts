// Fixed-window counters shared by every app process.
// The port of this repository: its records and interface (docs/architecture.md, "The store").

export interface RateLimitRepo {
  /** Count one hit on `key` in a fixed window; returns the count so far and when the window resets. */
  hit(key: string, windowMs: number, now: Date): Promise<{ count: number; resetAt: Date }>;
  /** Hits so far in the current window (0 when it has ended). */
  count(key: string, now: Date): Promise<number>;
  decrement(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}
