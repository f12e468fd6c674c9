import type { Queue } from 'bullmq';
import { SLEEP_CANCELLED, type Clock } from '../clock.js';
import { EvalHarnessError, InfraError, errorMessage } from '../errors.js';
import type { SampleInvocation } from '../sut/index.js';
import type { ProducerIdentity, SampleJobPayload } from './job-payload.js';
import { sampleJobId } from './redis-keys.js';
import type {
  RecordedNotice,
  ResultStore,
  StoredFailure,
  StoredSuccess,
  WindowRead,
} from './result-store.js';
import type { SampleJob, SampleOutcome, SampleTransport } from './sample-transport.js';

/** Notices can be lost (e.g. during a Redis restart), so pending outcomes are re-read this often. */
const FALLBACK_POLL_MS = 500;
/** The no-worker check runs this soon after the batch starts, then every few seconds. */
const WORKER_CHECK_FIRST_MS = 1500;
const WORKER_CHECK_EVERY_MS = 3000;
/** Jobs per addBulk transaction when a turn's dispatches go out together. */
const BULK_SIZE = 50;

export interface QueueTransportOptions {
  readonly queue: Queue;
  readonly queueName: string;
  readonly store: ResultStore;
  readonly clock: Clock;
  readonly batchId: string;
  readonly invocations: readonly SampleInvocation[];
  /** Name of the runner the worker builds from its own config. */
  readonly runnerName: string;
  readonly ttlSeconds: number;
  /** Each SUT call's timeout in the worker (per attempt). */
  readonly timeoutSeconds: number | null;
  /** Retries of a failed SUT call, made by the worker. @defaultValue 0 */
  readonly retries?: number;
  /** With a rate limit each job is added at its recorded dispatch time; otherwise per turn in bulk. */
  readonly addOneByOne: boolean;
  /** Stamped on every job, so a worker running other code or another SUT refuses it. */
  readonly producer: ProducerIdentity;
  /** BullMQ attempts per job. @defaultValue 1 */
  readonly attempts?: number;
  /** Warnings for stderr, e.g. no worker is connected. */
  readonly onWarning?: (message: string) => void;
}

/**
 * The lazy-parallel transport: samples become BullMQ jobs, outcomes are read from the Redis
 * result store. A pub/sub notice from the store wakes the producer as soon as an outcome is
 * recorded, so a window that finishes in 50 ms is noticed in about 50 ms; a slow poll covers
 * lost notices. Every read is bounded by the window deadline, so a Redis outage never makes the
 * producer wait past the batch timeout.
 */
export function createQueueTransport(options: QueueTransportOptions): SampleTransport {
  const { queue, store, clock, batchId, invocations } = options;
  const pendingBulk: SampleJob[] = [];
  // Dispatched and without an outcome yet: what cancel() removes from the queue.
  const outstanding = new Set<number>();
  let outcomesSeen = 0;
  let lastFullReadMs = Number.NEGATIVE_INFINITY;
  let notified = false;
  // Notices since the last look, by index. Most carry their outcome, which needs no read.
  const noticed = new Map<number, RecordedNotice>();
  let wake: (() => void) | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let workerCheck: NodeJS.Timeout | undefined;

  const jobOf = (job: SampleJob) => {
    const data: SampleJobPayload = {
      batchId,
      index: job.index,
      sampleId: job.invocation.id,
      invocation: {
        id: job.invocation.id,
        input: job.invocation.input,
      },
      runner: options.runnerName,
      resultTtlSeconds: options.ttlSeconds,
      timeoutSeconds: options.timeoutSeconds,
      ...(options.retries === undefined || options.retries === 0
        ? {}
        : { retries: options.retries }),
      producer: options.producer,
    };
    return {
      name: 'sample',
      data,
      opts: {
        jobId: sampleJobId(batchId, job.index),
        attempts: options.attempts ?? 1,
        // Finished jobs leave the queue at once: outcomes live in the result store.
        removeOnComplete: true,
        removeOnFail: { age: 24 * 3600, count: 1000 },
      },
    };
  };

  const addJobs = async (jobs: readonly SampleJob[]): Promise<void> => {
    if (jobs.length === 0) return;
    try {
      if (jobs.length === 1) {
        const job = jobOf(jobs[0] as SampleJob);
        await queue.add(job.name, job.data, job.opts);
      } else {
        // Several small bulks sent together: workers start on the first jobs while later ones
        // are still being added, instead of idling until one big transaction lands.
        const bulks: ReturnType<typeof jobOf>[][] = [];
        for (let start = 0; start < jobs.length; start += BULK_SIZE)
          bulks.push(jobs.slice(start, start + BULK_SIZE).map(jobOf));
        await Promise.all(bulks.map((bulk) => queue.addBulk(bulk)));
      }
    } catch (error) {
      throw new InfraError(
        `Failed to dispatch lazy parallel batch '${batchId}': ${errorMessage(error)}`,
        { cause: error },
      );
    }
    for (const job of jobs) outstanding.add(job.index);
  };

  const checkWorkers = async (): Promise<void> => {
    workerCheck = undefined;
    try {
      if (outcomesSeen === 0 && (await queue.getWorkersCount()) === 0) {
        options.onWarning?.(
          `no worker is connected to queue '${options.queueName}'; the batch waits until one is. Start one with "eval-harness worker --queue ${options.queueName}" (same config and Redis), or pass --local-workers <n>.`,
        );
        return;
      }
    } catch {
      // The check is advisory; Redis errors surface through the batch itself.
    }
    if (outcomesSeen === 0)
      workerCheck = setTimeout(() => void checkWorkers(), WORKER_CHECK_EVERY_MS);
  };

  const stop = async (): Promise<void> => {
    if (workerCheck !== undefined) clearTimeout(workerCheck);
    workerCheck = undefined;
    await unsubscribe?.().catch(() => undefined);
    unsubscribe = undefined;
  };

  return {
    async begin() {
      try {
        await store.start(batchId, invocations.length, options.ttlSeconds);
        unsubscribe = await store.subscribe(batchId, (notice) => {
          noticed.set(notice.index, notice);
          notified = true;
          wake?.();
        });
        // Every outcome recorded from here on is announced; the fallback read starts later.
        lastFullReadMs = clock.monotonicMs();
      } catch (error) {
        throw new InfraError(
          `Failed to initialize lazy parallel batch result store for batch '${batchId}': ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      if (options.onWarning !== undefined)
        workerCheck = setTimeout(() => void checkWorkers(), WORKER_CHECK_FIRST_MS);
    },

    async dispatch(job) {
      if (options.addOneByOne) await addJobs([job]);
      else pendingBulk.push(job);
    },

    async flush() {
      const jobs = pendingBulk.splice(0);
      await addJobs(jobs);
    },

    async awaitOutcomes(pending, untilMs, onOutcome, signal) {
      for (;;) {
        notified = false;
        // Most notices carry their outcome and need no read; one without a readable outcome is
        // followed by a read of its index.
        const toRead: number[] = [];
        for (const [index, notice] of noticed) {
          noticed.delete(index);
          if (!pending.has(index)) continue;
          if ('success' in notice) deliverSuccess(index, notice.success, pending, onOutcome);
          else if ('failure' in notice) deliverFailure(index, notice.failure, pending, onOutcome);
          else toRead.push(index);
        }
        if (signal.aborted || pending.size === 0) return;
        const now = clock.monotonicMs();
        const finalLook = now >= untilMs;
        // Notices are pub/sub, lost while the subscriber reconnects (a Redis restart): every
        // pending index is read now and then, and once more before giving up at the deadline.
        const fullRead = finalLook || now - lastFullReadMs >= FALLBACK_POLL_MS;
        if (fullRead) lastFullReadMs = now;
        const indexes = fullRead ? [...pending] : toRead;
        if (indexes.length > 0) {
          const read = await readBefore(store.readWindow(batchId, indexes), untilMs, clock).catch(
            (error: unknown) => {
              // A malformed stored result is a real error; an unreachable Redis is retried until the deadline.
              if (error instanceof EvalHarnessError) throw error;
              return undefined;
            },
          );
          if (read !== undefined) deliver(read, pending, onOutcome);
          if (signal.aborted || pending.size === 0) return;
        }
        if (finalLook) return;
        const remaining = untilMs - clock.monotonicMs();
        const toNextPoll = lastFullReadMs + FALLBACK_POLL_MS - clock.monotonicMs();
        if (!notified && remaining > 0)
          await waitForNotice(Math.max(0, Math.min(remaining, toNextPoll)), signal);
      }
    },

    async complete() {
      await stop();
      await store.finish(batchId);
    },

    async withdraw() {
      // Waiting jobs are removed; a job a worker already holds is locked and stays (it finishes
      // within the interrupt's grace period, or is skipped once the batch is aborted).
      const removed = await Promise.all(
        [...outstanding].map(async (index) =>
          (await queue.remove(sampleJobId(batchId, index)).catch(() => 0)) === 1 ? [index] : [],
        ),
      );
      const withdrawn = removed.flat();
      for (const index of withdrawn) outstanding.delete(index);
      return withdrawn;
    },

    async cancel() {
      await stop();
      await store.abort(batchId);
      // Jobs still waiting would only be wasted work now: removed here, and skipped by any worker
      // that already took one (the batch is no longer active). Running ones finish, unrecorded.
      const leftovers = [...outstanding].map((index) =>
        queue.remove(sampleJobId(batchId, index)).catch(() => 0),
      );
      await Promise.all(leftovers);
    },
  };

  function deliver(
    read: WindowRead,
    pending: ReadonlySet<number>,
    onOutcome: (outcome: SampleOutcome) => void,
  ): void {
    for (const [index, failure] of read.failures)
      deliverFailure(index, failure, pending, onOutcome);
    for (const [index, success] of read.successes)
      deliverSuccess(index, success, pending, onOutcome);
  }

  function deliverFailure(
    index: number,
    failure: StoredFailure,
    pending: ReadonlySet<number>,
    onOutcome: (outcome: SampleOutcome) => void,
  ): void {
    deliverOnce(index, pending, onOutcome, () => ({
      index,
      ok: false,
      message: `Lazy parallel batch job for sample '${failure.sampleId}' failed: ${failure.error.replace(/\.$/, '')}.`,
      ...(failure.attempts === undefined ? {} : { attempts: failure.attempts }),
    }));
  }

  function deliverSuccess(
    index: number,
    success: StoredSuccess,
    pending: ReadonlySet<number>,
    onOutcome: (outcome: SampleOutcome) => void,
  ): void {
    deliverOnce(index, pending, onOutcome, () => {
      const expected = invocations[index]?.id;
      return success.sampleId === expected
        ? {
            index,
            ok: true,
            answer: success.answer,
            ...(success.attempts === undefined ? {} : { attempts: success.attempts }),
          }
        : {
            index,
            ok: false,
            message: `Stored lazy parallel batch output at index ${index} belongs to sample '${success.sampleId}'; expected '${expected}'.`,
          };
    });
  }

  /** Hand an outcome to the loop once, while its index is still pending. */
  function deliverOnce(
    index: number,
    pending: ReadonlySet<number>,
    onOutcome: (outcome: SampleOutcome) => void,
    outcome: () => SampleOutcome,
  ): void {
    if (!pending.has(index)) return;
    outcomesSeen++;
    outstanding.delete(index);
    onOutcome(outcome());
  }

  /** Resolves true when a notice (or the abort) came, false when the fallback poll is due. */
  async function waitForNotice(ms: number, signal: AbortSignal): Promise<boolean> {
    const timer = new AbortController();
    let woke = false;
    const woken = new Promise<void>((resolve) => {
      wake = () => {
        woke = true;
        resolve();
      };
    });
    let onAbort: (() => void) | undefined;
    const abort = new Promise<void>((resolve) => {
      onAbort = () => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([woken, abort, clock.sleep(ms, timer.signal).catch(() => undefined)]);
      return woke || signal.aborted;
    } finally {
      wake = undefined;
      timer.abort(SLEEP_CANCELLED);
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }
}

/** A read started at or after the deadline still gets this long: the last look the spec asks for. */
const FINAL_READ_GRACE_MS = 250;

/** The value of `read`, or undefined once the deadline passes first (Redis may be restarting). */
async function readBefore<T>(
  read: Promise<T>,
  deadlineMs: number,
  clock: Clock,
): Promise<T | undefined> {
  const remaining = Math.max(deadlineMs - clock.monotonicMs(), FINAL_READ_GRACE_MS);
  const timer = new AbortController();
  read.catch(() => undefined);
  try {
    return await Promise.race([
      read,
      clock.sleep(Math.max(0, remaining), timer.signal).then(
        () => undefined,
        () => undefined,
      ),
    ]);
  } finally {
    timer.abort(SLEEP_CANCELLED);
  }
}
