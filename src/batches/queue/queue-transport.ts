import type { Queue } from 'bullmq';
import { SLEEP_CANCELLED, type Clock } from '../../clock.js';
import { EvalHarnessError, InfraError, errorMessage } from '../../errors.js';
import type { SampleInvocation } from '../../sut/index.js';
import type { ProducerIdentity, SampleJobPayload } from './job-payload.js';
import { sampleJobId } from './redis-keys.js';
import type {
  RecordedNotice,
  ResultStore,
  StoredFailure,
  StoredSuccess,
  WindowRead,
} from './result-store.js';
import type { SampleJob, SampleOutcome, SampleTransport } from '../dispatch/sample-transport.js';

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

/** The BullMQ job for one sample: its validated payload and options (one job per sample and batch). */
function sampleJobOf(options: QueueTransportOptions, job: SampleJob) {
  const data: SampleJobPayload = {
    batchId: options.batchId,
    index: job.index,
    sampleId: job.invocation.id,
    invocation: { id: job.invocation.id, input: job.invocation.input },
    runner: options.runnerName,
    resultTtlSeconds: options.ttlSeconds,
    timeoutSeconds: options.timeoutSeconds,
    ...(options.retries === undefined || options.retries === 0 ? {} : { retries: options.retries }),
    producer: options.producer,
  };
  return {
    name: 'sample',
    data,
    opts: {
      jobId: sampleJobId(options.batchId, job.index),
      attempts: options.attempts ?? 1,
      // Finished jobs leave the queue at once: outcomes live in the result store.
      removeOnComplete: true,
      removeOnFail: { age: 24 * 3600, count: 1000 },
    },
  };
}

/** A worker's recorded failure as the sample's outcome. */
function failureOutcome(index: number, failure: StoredFailure): SampleOutcome {
  return {
    index,
    ok: false,
    message: `Lazy parallel batch job for sample '${failure.sampleId}' failed: ${failure.error.replace(/\.$/, '')}.`,
    ...(failure.attempts === undefined ? {} : { attempts: failure.attempts }),
  };
}

/** A worker's recorded answer as the sample's outcome, refused when it belongs to another sample. */
function successOutcome(
  index: number,
  success: StoredSuccess,
  expectedId: string | undefined,
): SampleOutcome {
  return success.sampleId === expectedId
    ? {
        index,
        ok: true,
        answer: success.answer,
        ...(success.attempts === undefined ? {} : { attempts: success.attempts }),
      }
    : {
        index,
        ok: false,
        message: `Stored lazy parallel batch output at index ${index} belongs to sample '${success.sampleId}'; expected '${expectedId}'.`,
      };
}

/**
 * The result store's pub/sub notices that arrived since the producer last looked, and the
 * wake-up of a producer waiting for the next one.
 */
class NoticeInbox {
  /** By sample index; most notices carry their outcome, which then needs no read. */
  private readonly byIndex = new Map<number, RecordedNotice>();
  /** A notice came since the last `take()`. */
  private arrived = false;
  private wake: (() => void) | undefined;

  receive(notice: RecordedNotice): void {
    this.byIndex.set(notice.index, notice);
    this.arrived = true;
    this.wake?.();
  }

  /** Everything received so far, removed from the inbox. */
  take(): RecordedNotice[] {
    this.arrived = false;
    const notices = [...this.byIndex.values()];
    this.byIndex.clear();
    return notices;
  }

  get arrivedSinceTake(): boolean {
    return this.arrived;
  }

  /** Resolves when a notice comes, the signal aborts or `ms` pass, whichever is first. */
  async wait(ms: number, signal: AbortSignal, clock: Clock): Promise<void> {
    const timer = new AbortController();
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    let onAbort: (() => void) | undefined;
    const abort = new Promise<void>((resolve) => {
      onAbort = () => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      // The sleep is cancelled in `finally` once a notice or the abort came first.
      await Promise.race([woken, abort, clock.sleep(ms, timer.signal).catch(() => undefined)]);
    } finally {
      this.wake = undefined;
      timer.abort(SLEEP_CANCELLED);
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * Warns, soon after the batch starts and then every few seconds, while no outcome has come and
 * no worker is connected to the queue. Advisory: Redis errors surface through the batch itself.
 */
class WorkerWatch {
  private timer: NodeJS.Timeout | undefined;
  private outcomeSeen = false;

  constructor(
    private readonly queue: Queue,
    private readonly queueName: string,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    this.timer = setTimeout(() => void this.check(), WORKER_CHECK_FIRST_MS);
  }

  /** A worker answered: the watch has nothing more to say. */
  sawOutcome(): void {
    this.outcomeSeen = true;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    this.timer = undefined;
    if (this.outcomeSeen) return;
    try {
      if ((await this.queue.getWorkersCount()) === 0) {
        this.warn(
          `no worker is connected to queue '${this.queueName}'; the batch waits until one is. Start one with "eval-harness worker --queue ${this.queueName}" (same config and Redis), or pass --local-workers <n>.`,
        );
        return;
      }
    } catch {
      // Advisory only: a Redis failure is reported by the batch, not by this check.
    }
    if (!this.outcomeSeen) this.timer = setTimeout(() => void this.check(), WORKER_CHECK_EVERY_MS);
  }
}

/**
 * The lazy-parallel transport: samples become BullMQ jobs, outcomes are read from the Redis
 * result store. A pub/sub notice from the store wakes the producer as soon as an outcome is
 * recorded, so a window that finishes in 50 ms is noticed in about 50 ms; a slow poll covers
 * lost notices. Every read is bounded by the window deadline, so a Redis outage never makes the
 * producer wait past the batch timeout.
 */
export class QueueTransport implements SampleTransport {
  /** Dispatched this turn and not yet sent: without a rate limit, a turn's jobs go out in bulk. */
  private readonly unsent: SampleJob[] = [];
  /** Dispatched and without an outcome yet: what withdraw() and cancel() remove from the queue. */
  private readonly outstanding = new Set<number>();
  private readonly inbox = new NoticeInbox();
  private readonly workerWatch: WorkerWatch | undefined;
  /** When every pending index was last read, the fallback for lost notices. */
  private lastFullReadMs = Number.NEGATIVE_INFINITY;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly options: QueueTransportOptions) {
    this.workerWatch =
      options.onWarning === undefined
        ? undefined
        : new WorkerWatch(options.queue, options.queueName, options.onWarning);
  }

  async begin(): Promise<void> {
    const { store, batchId, invocations, ttlSeconds, clock } = this.options;
    try {
      await store.start(batchId, invocations.length, ttlSeconds);
      this.unsubscribe = await store.subscribe(batchId, (notice) => this.inbox.receive(notice));
      // Every outcome recorded from here on is announced; the fallback read starts later.
      this.lastFullReadMs = clock.monotonicMs();
    } catch (error) {
      throw new InfraError(
        `Failed to initialize lazy parallel batch result store for batch '${batchId}': ${errorMessage(error)}`,
        { cause: error },
      );
    }
    this.workerWatch?.start();
  }

  async dispatch(job: SampleJob): Promise<void> {
    if (this.options.addOneByOne) await this.addJobs([job]);
    else this.unsent.push(job);
  }

  async flush(): Promise<void> {
    await this.addJobs(this.unsent.splice(0));
  }

  async awaitOutcomes(
    pending: ReadonlySet<number>,
    untilMs: number,
    onOutcome: (outcome: SampleOutcome) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const { clock, store, batchId } = this.options;
    for (;;) {
      // Most notices carry their outcome and need no read; one without a readable outcome is
      // followed by a read of its index.
      const toRead: number[] = [];
      for (const notice of this.inbox.take()) {
        if (!pending.has(notice.index)) continue;
        if ('success' in notice)
          this.deliverSuccess(notice.index, notice.success, pending, onOutcome);
        else if ('failure' in notice)
          this.deliverOnce(failureOutcome(notice.index, notice.failure), pending, onOutcome);
        else toRead.push(notice.index);
      }
      if (signal.aborted || pending.size === 0) return;
      const now = clock.monotonicMs();
      const finalLook = now >= untilMs;
      // Notices are pub/sub, lost while the subscriber reconnects (a Redis restart): every
      // pending index is read now and then, and once more before giving up at the deadline.
      const fullRead = finalLook || now - this.lastFullReadMs >= FALLBACK_POLL_MS;
      if (fullRead) this.lastFullReadMs = now;
      const indexes = fullRead ? [...pending] : toRead;
      if (indexes.length > 0) {
        const read = await readBefore(store.readWindow(batchId, indexes), untilMs, clock).catch(
          (error: unknown) => {
            // A malformed stored result is a real error; an unreachable Redis is retried until the deadline.
            if (error instanceof EvalHarnessError) throw error;
            return undefined;
          },
        );
        if (read !== undefined) this.deliver(read, pending, onOutcome);
        if (signal.aborted || pending.size === 0) return;
      }
      if (finalLook) return;
      const remaining = untilMs - clock.monotonicMs();
      const toNextPoll = this.lastFullReadMs + FALLBACK_POLL_MS - clock.monotonicMs();
      if (!this.inbox.arrivedSinceTake && remaining > 0)
        await this.inbox.wait(Math.max(0, Math.min(remaining, toNextPoll)), signal, clock);
    }
  }

  async complete(): Promise<void> {
    await this.stop();
    await this.options.store.finish(this.options.batchId);
  }

  async withdraw(): Promise<number[]> {
    // Waiting jobs are removed; a job a worker already holds is locked and stays (it finishes
    // within the interrupt's grace period, or is skipped once the batch is aborted).
    const removed = await Promise.all(
      [...this.outstanding].map(async (index) => ((await this.removeJob(index)) ? [index] : [])),
    );
    const withdrawn = removed.flat();
    for (const index of withdrawn) this.outstanding.delete(index);
    return withdrawn;
  }

  async cancel(): Promise<void> {
    await this.stop();
    await this.options.store.abort(this.options.batchId);
    // Jobs still waiting would only be wasted work now: removed here, and skipped by any worker
    // that already took one (the batch is no longer active). Running ones finish, unrecorded.
    await Promise.all([...this.outstanding].map((index) => this.removeJob(index)));
  }

  /** Whether the job was still waiting and is now gone; a failed removal counts as not removed. */
  private async removeJob(index: number): Promise<boolean> {
    const { queue, batchId } = this.options;
    return (await queue.remove(sampleJobId(batchId, index)).catch(() => 0)) === 1;
  }

  private async addJobs(jobs: readonly SampleJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const { queue, batchId } = this.options;
    try {
      if (jobs.length === 1) {
        const job = sampleJobOf(this.options, jobs[0] as SampleJob);
        await queue.add(job.name, job.data, job.opts);
      } else {
        // Several small bulks sent together: workers start on the first jobs while later ones
        // are still being added, instead of idling until one big transaction lands.
        const bulks: ReturnType<typeof sampleJobOf>[][] = [];
        for (let start = 0; start < jobs.length; start += BULK_SIZE)
          bulks.push(
            jobs.slice(start, start + BULK_SIZE).map((job) => sampleJobOf(this.options, job)),
          );
        await Promise.all(bulks.map((bulk) => queue.addBulk(bulk)));
      }
    } catch (error) {
      throw new InfraError(
        `Failed to dispatch lazy parallel batch '${batchId}': ${errorMessage(error)}`,
        { cause: error },
      );
    }
    for (const job of jobs) this.outstanding.add(job.index);
  }

  private async stop(): Promise<void> {
    this.workerWatch?.stop();
    // Best effort: the subscription dies with its connection anyway.
    await this.unsubscribe?.().catch(() => undefined);
    this.unsubscribe = undefined;
  }

  private deliver(
    read: WindowRead,
    pending: ReadonlySet<number>,
    onOutcome: (outcome: SampleOutcome) => void,
  ): void {
    for (const [index, failure] of read.failures)
      this.deliverOnce(failureOutcome(index, failure), pending, onOutcome);
    for (const [index, success] of read.successes)
      this.deliverSuccess(index, success, pending, onOutcome);
  }

  private deliverSuccess(
    index: number,
    success: StoredSuccess,
    pending: ReadonlySet<number>,
    onOutcome: (outcome: SampleOutcome) => void,
  ): void {
    if (!pending.has(index)) return;
    this.deliverOnce(
      successOutcome(index, success, this.options.invocations[index]?.id),
      pending,
      onOutcome,
    );
  }

  /** Hand an outcome to the loop once, while its index is still pending. */
  private deliverOnce(
    outcome: SampleOutcome,
    pending: ReadonlySet<number>,
    onOutcome: (outcome: SampleOutcome) => void,
  ): void {
    if (!pending.has(outcome.index)) return;
    this.workerWatch?.sawOutcome();
    this.outstanding.delete(outcome.index);
    onOutcome(outcome);
  }
}

/** The lazy-parallel transport for one batch. */
export function createQueueTransport(options: QueueTransportOptions): SampleTransport {
  return new QueueTransport(options);
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
  // A read that fails after the deadline won the race must not be an unhandled rejection;
  // before the deadline its rejection reaches the caller through the race.
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
