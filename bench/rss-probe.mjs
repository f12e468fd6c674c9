// Preloaded into a benchmarked CLI process (NODE_OPTIONS=--import): records the process's peak
// resident set size when it exits, so the benchmark measures the whole CLI, not a function.
import { writeFileSync } from 'node:fs';

const target = process.env.EVAL_HARNESS_BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    writeFileSync(target, String(process.resourceUsage().maxRSS * 1024));
  });
}
