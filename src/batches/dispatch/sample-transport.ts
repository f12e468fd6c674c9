import type { SampleInvocation, SutAnswer } from '../../sut/index.js';

/** One sample handed to whatever runs it. */
export interface SampleJob {
  readonly index: number;
  readonly invocation: SampleInvocation;
}

/**
 * How a dispatched sample ended. `message` is a complete sentence naming the sample; `attempts`
 * counts the SUT calls it took (retries included), when the transport knows.
 */
export type SampleOutcome =
  | {
      readonly index: number;
      readonly ok: true;
      readonly answer: SutAnswer;
      readonly attempts?: number;
    }
  | {
      readonly index: number;
      readonly ok: false;
      readonly message: string;
      readonly attempts?: number;
      /** The run cannot go on past it, whatever `--max-errors` allows (a SUT left hanging). */
      readonly fatal?: boolean;
      /** What the SUT threw, in this process only (shown with `--debug`). */
      readonly cause?: unknown;
    };

/** What the producer loop lends a transport when the batch begins. */
export interface TransportHooks {
  /** Wait for, and take, a slot of the run's rate window (a retry is one more call). */
  readonly takeRateSlot: () => Promise<void>;
}

/**
 * Where the producer loop sends samples and learns of their outcomes: a Promise pool in-process
 * (concurrent mode) or BullMQ jobs and a Redis result store (lazy-parallel). The loop owns the
 * dispatch strategy, throttling, deadlines and progress; a transport only moves samples and
 * outcomes.
 */
export interface SampleTransport {
  /** Prepare for the batch (e.g. start the result store); called inside the loop's try. */
  begin?(hooks: TransportHooks): Promise<void>;
  /** The batch succeeded (e.g. mark stored results finished); best effort. */
  complete?(): Promise<void>;
  /** Hand one sample over; must not wait for it to finish. */
  dispatch(job: SampleJob): Promise<void> | void;
  /**
   * Called after each turn of dispatches, for transports that send in bulk: everything
   * dispatched since the last flush goes out together.
   */
  flush?(): Promise<void>;
  /**
   * Report outcomes of the indexes in `pending` through `onOutcome` as they become known, and
   * return when `signal` aborts or the monotonic `untilMs` passes. `pending` is live: the loop
   * removes an index when its outcome arrives and adds the samples it dispatches between calls,
   * so a transport checks membership when it delivers. Before returning at `untilMs` a
   * transport takes one last look for outcomes it may have missed.
   */
  awaitOutcomes(
    pending: ReadonlySet<number>,
    untilMs: number,
    onOutcome: (outcome: SampleOutcome) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /**
   * Take back what was dispatched but has not started (e.g. remove waiting queue jobs), so an
   * interrupted run leaves no work behind while its running samples get a grace period.
   * Returns the indexes taken back: they will report no outcome.
   */
  withdraw?(): Promise<Iterable<number>>;
  /** Stop outstanding work after a failure (e.g. abort the stored batch); best effort. */
  cancel?(reason: unknown): void | Promise<void>;
}
