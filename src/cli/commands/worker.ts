import {
  DEFAULT_QUEUE_NAME,
  openLazyParallelSession,
  redactRedisUrl,
  startWorkerPool,
} from '../../batches/index.js';
import { loadConfig } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import { parsePositiveIntFlag } from '../../flag-values.js';
import type { CliIo } from '../io.js';
import { createConfigRunnerResolver } from '../../app/index.js';

export interface WorkerCommandOptions {
  config?: string;
  queue?: string;
  concurrency?: string;
  redisUrl?: string;
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
  if (loaded.config.sut === undefined) {
    throw new UsageError(
      `The worker needs a system under test in its config (sut: { type: module, path })${loaded.path === undefined ? '; no config file was found' : ` in ${loaded.path}`}.`,
    );
  }
  const resolveRunner = createConfigRunnerResolver(loaded);
  // Load the SUT now, so a broken module is one error at start-up, not one per job.
  await resolveRunner('sut');

  const redisUrl = options.redisUrl ?? loaded.redis.url;
  const queueName = options.queue?.trim() ?? DEFAULT_QUEUE_NAME;
  const session = await openLazyParallelSession({
    redisUrl,
    prefix: loaded.redis.prefix,
    queueName,
  });
  const lockOverride = Number(io.env['EVAL_HARNESS_WORKER_LOCK_MS']);
  const pool = await startWorkerPool({
    session,
    concurrency,
    resolveRunner,
    onFailedJob: (line) => io.stderr.write(`worker: ${line}\n`),
    onSkippedBatch: (line) => io.stderr.write(`worker: ${line}\n`),
    ...(Number.isInteger(lockOverride) && lockOverride > 0 ? { lockDurationMs: lockOverride } : {}),
  });
  io.stderr.write(
    `worker: taking jobs from queue '${queueName}' (prefix '${loaded.redis.prefix}') on ${redactRedisUrl(redisUrl)} with concurrency ${concurrency}; Ctrl-C drains and stops.\n`,
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
        void pool.close(false).then(resolve);
      },
      { once: true },
    );
  });
  await session.close();
  io.stderr.write('worker: stopped\n');
  return 0;
}
