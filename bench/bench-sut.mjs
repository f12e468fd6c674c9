// The system under test used by the producer benchmarks. Each sample's input says how long to
// "think" (latencyMs); with EVAL_HARNESS_BENCH_DISPATCH_LOG set, call start times are written
// there when the process exits, so the benchmark can check the rate window from outside.
import { writeFileSync } from 'node:fs';

const log = process.env.EVAL_HARNESS_BENCH_DISPATCH_LOG;
const starts = [];
if (log) process.on('exit', () => writeFileSync(log, JSON.stringify(starts)));

export default async function benchSut({ input }) {
  if (log) starts.push(performance.timeOrigin + performance.now());
  const latency = Number(input.latencyMs ?? 0);
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  return String(input.answer ?? 'ok');
}
