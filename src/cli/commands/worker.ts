import { startWorker } from '../../app/index.js';
import { describeRedisTarget } from '../../batches/index.js';
import { loadConfig } from '../../config/index.js';
import { EXIT_CODES, UsageError } from '../../errors.js';
import { parsePositiveIntFlag } from '../../flag-values.js';
import { responseCacheOf } from '../run-flags.js';
import type { CliIo } from '../io.js';

export interface WorkerCommandOptions {
  config?: string;
  queue?: string;
  concurrency?: string;
  redisUrl?: string;
  cacheDir?: string;
  /** False with --no-cache. */
  cache?: boolean;
}

/**
 * `eval-harness worker`: take sample jobs from a queue and run them with the SUT of this
 * process's config. A signal is the normal way to stop: the first drains in-flight jobs and
 * exits 0, a second one stops at once.
 */
export async function workerCommand(options: WorkerCommandOptions, io: CliIo): Promise<number> {
  const concurrency =
    options.concurrency === undefined
      ? 1
      : parsePositiveIntFlag('--concurrency', options.concurrency);
  if (options.queue !== undefined && options.queue.trim() === '')
    throw new UsageError('The --queue option requires a non-empty queue name.');
  const loaded = await loadConfig({ cwd: io.cwd, configPath: options.config, env: io.env });
  const cache = responseCacheOf(options, io);
  const lockOverride = Number(io.env['EVAL_HARNESS_WORKER_LOCK_MS']);
  const worker = await startWorker(loaded, {
    concurrency,
    ...(options.queue === undefined ? {} : { queue: options.queue.trim() }),
    ...(options.redisUrl === undefined ? {} : { redis: options.redisUrl }),
    ...(cache === undefined ? {} : { cache }),
    onFailedJob: (line) => io.stderr.write(`worker: ${line}\n`),
    onSkippedBatch: (line) => io.stderr.write(`worker: ${line}\n`),
    ...(Number.isInteger(lockOverride) && lockOverride > 0 ? { lockDurationMs: lockOverride } : {}),
  });
  io.stderr.write(
    `worker: taking jobs from queue '${worker.queueName}' (prefix '${loaded.redis.prefix}') on ${describeRedisTarget(worker.redis)} with concurrency ${concurrency}; Ctrl-C drains and stops.\n`,
  );

  // A signal is this command's normal stop: drain the jobs in flight, then exit 0. (A second
  // signal stops the process at once, from the entry point.)
  await new Promise<void>((resolve) => {
    const interrupt = io.interrupt;
    if (interrupt === undefined) return;
    interrupt.addEventListener(
      'abort',
      () => {
        io.stderr.write(
          `worker: ${String(interrupt.reason)} received, finishing in-flight jobs (send it again to stop at once)\n`,
        );
        void worker.stop().then(resolve);
      },
      { once: true },
    );
  });
  io.stderr.write('worker: stopped\n');
  return EXIT_CODES.ok;
}
