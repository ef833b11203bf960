// Small helpers shared by the benchmark scripts: percentiles, a seeded PRNG, memory figures.

export interface Latency { n: number; p50: number; p95: number; p99: number; mean: number }

export function latency(samplesMs: number[]): Latency {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), mean };
}

/** mulberry32, so the same seed draws the same queries on every run. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number { return min + Math.floor(this.next() * (max - min + 1)); }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.next() * items.length)]!; }
}

const MB = 1024 * 1024;

/** Heap after a full collection (the process runs with --expose-gc), and RSS, in MB. */
export function memory(): { heapMb: number; rssMb: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapMb: Math.round(m.heapUsed / MB), rssMb: Math.round(m.rss / MB) };
}

export const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
