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

// The seeded generator of --sample, so fixtures are the same on every run (benchmarks run after
// `npm run build`).
export { seededRandom } from '../dist/datasets/sample-selection.js';

/**
 * Long-tailed latencies between 20 and 500 ms, the same on every run: `20 + (i * 7919) % 481`
 * (7919 is prime, so the values spread evenly over the range in an order with no pattern).
 */
export function longTailLatencies(count) {
  return Array.from({ length: count }, (_, i) => 20 + ((i * 7919) % 481));
}
