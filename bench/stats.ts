// Small helpers shared by the benchmark scripts: percentiles, a seeded PRNG, memory figures.

export interface Latency { n: number; p50: number; p95: number; p99: number; mean: number }

export function latency(samplesMs: number[]): Latency {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), mean };
}

/** The demo generator's mulberry32, so the same seed draws the same queries on every run. */
export { Rng } from '../src/demo/demo-data';

const MB = 1024 * 1024;

/**
 * Heap after a full collection (the process runs with --expose-gc), memory of ArrayBuffers and
 * Buffers outside the heap (where the embedded index keeps most of itself), and RSS, in MB.
 */
export function memory(): { heapMb: number; arrayBuffersMb: number; rssMb: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapMb: Math.round(m.heapUsed / MB), arrayBuffersMb: Math.round(m.arrayBuffers / MB), rssMb: Math.round(m.rss / MB) };
}

export const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
