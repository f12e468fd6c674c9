import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/eval-harness.js', import.meta.url));
export const OUT_DIR = fileURLToPath(new URL('./.out/', import.meta.url));

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function formatMiB(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Mulberry32: a small seeded generator so fixtures are the same on every run. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Long-tailed latencies between 20 and 500 ms, the same on every run: `20 + (i * 7919) % 481`
 * (7919 is prime, so the values spread evenly over the range in an order with no pattern).
 */
export function longTailLatencies(count) {
  return Array.from({ length: count }, (_, i) => 20 + ((i * 7919) % 481));
}
