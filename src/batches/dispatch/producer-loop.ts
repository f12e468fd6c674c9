import type { Clock } from '../../clock.js';
import { InputError, errorMessage } from '../../errors.js';
import type { RunStatus } from '../../run-status.js';
import type { SampleInvocation, SutAnswer } from '../../sut/index.js';
import { formatSeconds } from '../../values.js';
import {
  effectiveChunkSize,
  effectiveDispatch,
  type BatchOptions,
} from '../options/batch-options.js';
import { DEFAULT_RATE_WINDOW_SECONDS } from '../options/defaults.js';
import {
  CheckpointTracker,
  PROGRESS_STATUS,
  callSafely,
  isTerminalReporter,
  nullProgressReporter,
  type BatchProgressReporter,
  type TerminalStatus,
} from './progress.js';
import { RateLimitWindow } from './rate-limit-window.js';
import type { SampleOutcome, SampleTransport, TransportHooks } from './sample-transport.js';

/** What the producer is doing right now, for live displays (never part of the progress events). */
export interface DispatchActivity {
  /** Samples dispatched whose outcome has not arrived yet. */
  readonly inFlight: number;
  readonly dispatched: number;
  readonly total: number;
  /** How long from now the producer waits for a rate-limit slot; null when it is not waiting. */
  readonly rateLimitWaitMs: number | null;
}

export interface ProducerLoopInput {
  readonly batchId: string;
  /** One per sample, in dataset order. */
  readonly invocations: readonly SampleInvocation[];
  readonly options: BatchOptions;
  readonly transport: SampleTransport;
  readonly clock: Clock;
  /**
   * W when the options leave it unset (config `batches.lazyParallel.waitTimeoutSeconds`); null
   * for no wait deadline at all (serial mode, where each SUT call has its own timeout).
   */
  readonly defaultWaitTimeoutSeconds: number | null;
  readonly reporter?: BatchProgressReporter;
  /** Called once per successful sample as soon as its output is known (scoring starts here). */
  readonly onOutput?: (index: number, answer: SutAnswer, attempts: number) => void;
  /** Called once per sample whose SUT call failed for good, or that passed its wait deadline. */
  readonly onError?: (index: number, error: SampleCallError) => void;
  /** Called whenever the number in flight changes or a rate-limit wait starts. */
  readonly onActivity?: (activity: DispatchActivity) => void;
  /**
   * Asked before each dispatch; once true (a spending budget ran out) nothing more is dispatched,
   * the samples in flight finish, and the loop ends `budget-halted`.
   */
  readonly halted?: () => boolean;
  /** Sample errors the run goes on past; one more stops dispatching. @defaultValue 0 */
  readonly maxErrors?: number;
  /**
   * Stops the run (SIGINT, SIGTERM): nothing more is dispatched, work not yet started is taken
   * back, samples in flight get `graceMs` to finish, and the loop ends `interrupted`.
   */
  readonly signal?: AbortSignal;
  /** @defaultValue 5000 */
  readonly graceMs?: number;
}

/** A sample's SUT call that failed for good: the sentence naming it, and the calls it took. */
export interface SampleCallError {
  readonly message: string;
  readonly attempts: number;
  /** What the SUT threw, when it ran in this process (shown with `--debug`). */
  readonly cause?: unknown;
}

/** How the loop ended; `reason` says why it stopped early, in one sentence. */
export interface ProducerLoopEnd {
  readonly status: RunStatus;
  readonly reason: string | null;
}

/** How long an interrupted run waits for the samples in flight before it cancels them. */
export const INTERRUPT_GRACE_MS = 5000;

/** The state both dispatch strategies share, and the steps they take the same way. */
interface ProducerRun {
  readonly input: ProducerLoopInput;
  readonly total: number;
  /** E: samples in flight at most (rolling), or the window size (windowed). */
  readonly slots: number;
  /** W in milliseconds; Infinity when there is no wait deadline. */
  readonly waitMs: number;
  readonly limiter: RateLimitWindow | null;
  /** Dispatched and without an outcome yet; the loop's grace period on interrupt waits for these. */
  readonly inFlight: Set<number>;
  /** True once nothing more may be dispatched: too many errors, a stop, or an interrupt. */
  stopping(): boolean;
  interrupted(): boolean;
  /** Stop dispatching for a reason that is no sample's own (e.g. the rate limit held too long). */
  stop(reason: string): void;
  /** Record a sample that passed its wait deadline with no outcome: its error. */
  late(index: number): void;
  /**
   * Wait for outcomes of `pending` until `untilMs`, removing each from `pending` as it arrives.
   * Returns early once `pending` is empty, on an interrupt (unless this is the interrupt's
   * `grace` wait), or (with `endOnOutcome`) at the first outcome.
   */
  collect(
    pending: Set<number>,
    untilMs: number,
    endOnOutcome?: boolean,
    grace?: boolean,
  ): Promise<void>;
  /** Sleep until `untilMs`, or less when the run is interrupted. */
  sleepUntil(untilMs: number): Promise<void>;
  /**
   * Tell a live display what the producer is doing. The strategies call it when they dispatch or
   * start a rate-limit wait; collect() calls it for each outcome with what it last heard.
   */
  activity(inFlight: number, dispatched: number, rateLimitUntilMs: number | null): void;
  /** Count one dispatch (the budget's end tells a halted run from a complete one). */
  dispatched(): void;
}

/**
 * The producer loop, written once for every transport and batch mode (docs/PROGRESS.md):
 * dispatch rolling (keep up to E samples in flight, refill a slot as soon as it frees; serial
 * mode is E = 1 with no wait deadline) or windowed (send E, wait for all of them, then the next
 * E), throttled by the sliding rate window and bounded by the wait timeout; checkpoint and
 * terminal progress. A sample's failure is that sample's error (`onError`), never the run's
 * loss: past `maxErrors` the loop stops dispatching, lets the samples in flight finish and
 * returns how it ended. Only a failure of the transport itself is thrown.
 */
export async function runProducerLoop(input: ProducerLoopInput): Promise<ProducerLoopEnd> {
  const { batchId, invocations, options, transport, clock } = input;
  const reporter = input.reporter ?? nullProgressReporter;
  const total = invocations.length;
  const waitSeconds = options.waitTimeoutSeconds ?? input.defaultWaitTimeoutSeconds;
  const maxErrors = input.maxErrors ?? 0;
  const checkpoints = new CheckpointTracker(options.checkpointEvery, total, (completed) =>
    callSafely(() => reporter.reportCheckpoint(batchId, completed, total)),
  );
  const terminal = (completed: number, status: TerminalStatus): void => {
    if (isTerminalReporter(reporter))
      callSafely(() => reporter.reportTerminal(batchId, completed, total, status));
  };

  // Checkpoints count successes, whatever their order: in windowed dispatch a window only ends
  // when all of it succeeded, so this equals the samples of finished windows plus the current
  // window's successes.
  let successes = 0;
  let errors = 0;
  let dispatchedCount = 0;
  let stopReason: string | undefined;
  // What the strategies last reported, repeated with each outcome.
  let lastDispatched = 0;
  let lastRateLimitUntilMs: number | null = null;
  const interrupted = (): boolean => input.signal?.aborted === true;
  // The turn an interrupt ends; one listener for the whole loop, not one per turn.
  let interruptibleTurn: AbortController | undefined;
  const onInterrupt = (): void => interruptibleTurn?.abort(TURN_OVER);
  input.signal?.addEventListener('abort', onInterrupt, { once: true });

  const recordError = (index: number, error: SampleCallError, fatal = false): void => {
    errors++;
    callSafely(() => input.onError?.(index, error));
    const id = invocations[index]?.id ?? String(index);
    if (stopReason !== undefined) return;
    if (fatal)
      stopReason = `stopped because the system under test left sample '${id}' unsettled with nothing else to wait for`;
    else if (errors > maxErrors)
      stopReason =
        maxErrors === 0
          ? `stopped at the first sample error (sample '${id}')`
          : `stopped at sample error ${errors} (sample '${id}'), more than the ${maxErrors} allowed`;
  };

  const accept = (outcome: SampleOutcome): void => {
    if (outcome.ok) {
      successes++;
      checkpoints.advance(successes);
      input.onOutput?.(outcome.index, outcome.answer, outcome.attempts ?? 1);
    } else {
      recordError(
        outcome.index,
        {
          message: outcome.message,
          attempts: outcome.attempts ?? 1,
          ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
        },
        outcome.fatal === true,
      );
    }
  };

  const limiter =
    options.rateLimit === null
      ? null
      : new RateLimitWindow(
          options.rateLimit,
          options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS,
        );
  const run: ProducerRun = {
    input,
    total,
    slots: effectiveChunkSize(options),
    waitMs: waitSeconds === null ? Number.POSITIVE_INFINITY : waitSeconds * 1000,
    limiter,
    inFlight: new Set<number>(),
    stopping: () => stopReason !== undefined || interrupted(),
    interrupted,
    stop(reason) {
      stopReason ??= reason;
    },
    late(index) {
      recordError(index, {
        message: `No outcome for sample '${invocations[index]?.id ?? String(index)}' within the batch wait timeout of ${formatSeconds(waitSeconds ?? 0)}. Check that the system under test or its workers are running, or raise the wait timeout (waitTimeoutSeconds).`,
        attempts: 1,
      });
    },
    async collect(pending, untilMs, endOnOutcome = false, grace = false) {
      const turn = new AbortController();
      // An interrupt ends the turn at once (through the loop's one listener), except the grace
      // period's own wait.
      if (pending.size === 0 || (!grace && interrupted())) turn.abort(TURN_OVER);
      else if (!grace) interruptibleTurn = turn;
      try {
        await transport.awaitOutcomes(
          pending,
          untilMs,
          (outcome) => {
            // First outcome per index wins; late duplicates (a retried job) are ignored.
            if (!pending.delete(outcome.index)) return;
            // Before accept(): a checkpoint line shows the samples still in flight.
            run.activity(pending.size, lastDispatched, lastRateLimitUntilMs);
            accept(outcome);
            if (pending.size === 0 || endOnOutcome) turn.abort(TURN_OVER);
          },
          turn.signal,
        );
      } finally {
        interruptibleTurn = undefined;
      }
    },
    async sleepUntil(untilMs) {
      if (!Number.isFinite(untilMs)) return;
      // An interrupt ends the sleep early, which is what it is for: not an error.
      await clock
        .sleep(Math.max(0, untilMs - clock.monotonicMs()), input.signal)
        .catch(() => undefined);
    },
    activity(inFlight, dispatched, rateLimitUntilMs) {
      if (input.onActivity === undefined) return;
      lastDispatched = dispatched;
      lastRateLimitUntilMs = rateLimitUntilMs;
      const rateLimitWaitMs =
        rateLimitUntilMs === null ? null : Math.max(0, rateLimitUntilMs - clock.monotonicMs());
      callSafely(() => input.onActivity?.({ inFlight, dispatched, total, rateLimitWaitMs }));
    },
    dispatched() {
      dispatchedCount++;
    },
  };

  const hooks: TransportHooks = {
    // A retry is one more call: it waits for a slot of the rate window like a dispatch.
    takeRateSlot: async () => {
      if (limiter === null) return;
      for (;;) {
        const now = clock.monotonicMs();
        const waitMicros = limiter.nextWaitMicroseconds(now / 1000);
        if (waitMicros <= 0) {
          limiter.record(now / 1000);
          return;
        }
        await clock.sleep(waitMicros / 1000, input.signal);
      }
    },
  };

  try {
    await transport.begin?.(hooks);
    if (effectiveDispatch(options) === 'windowed') await dispatchWindowed(run);
    else await dispatchRolling(run);
    if (interrupted()) {
      // Nothing queued is left for a worker to pick up later; what is running gets its grace.
      for (const index of (await transport.withdraw?.()) ?? []) run.inFlight.delete(index);
      if (run.inFlight.size > 0)
        await run.collect(
          run.inFlight,
          clock.monotonicMs() + (input.graceMs ?? INTERRUPT_GRACE_MS),
          false,
          true,
        );
    }
  } catch (error) {
    // The transport itself failed (Redis went away, a corrupt stored result): the run stops
    // here, and the samples that finished are still the caller's to report.
    if (error instanceof InputError) throw error;
    stopReason ??= errorMessage(error);
  }

  input.signal?.removeEventListener('abort', onInterrupt);
  const status: RunStatus = interrupted()
    ? 'interrupted'
    : stopReason !== undefined
      ? 'stopped-on-error'
      : dispatchedCount < total
        ? 'budget-halted'
        : 'complete';
  if (status === 'complete' && errors === 0) {
    checkpoints.finishSuccess(total);
    terminal(total, total === 0 ? PROGRESS_STATUS.empty : PROGRESS_STATUS.success);
    await bestEffort(() => transport.complete?.());
  } else {
    const reported = Math.min(total, successes);
    checkpoints.finishFailure(reported);
    terminal(reported, PROGRESS_STATUS.failure);
    // Cleanup errors never replace the run's own result.
    if (status === 'complete' || status === 'budget-halted')
      await bestEffort(() => transport.complete?.());
    else await bestEffort(() => transport.cancel?.(stopReason ?? input.signal?.reason));
  }
  const reason =
    status === 'interrupted'
      ? `interrupted by ${String(input.signal?.reason ?? 'a signal')}`
      : (stopReason ?? null);
  return { status, reason };
}

/** Why a turn's wait ended before its deadline: an expected event, not an error. */
const TURN_OVER = Symbol('turn over');

/**
 * Rolling dispatch: at most E in flight, and a freed slot is refilled in the same turn, so a slow
 * sample holds one slot instead of a whole window. Each sample has W from its own dispatch; a
 * free slot may wait at most W for the rate limit. The dispatches of one turn go out together
 * (one flush), which a queue transport sends as one bulk.
 */
async function dispatchRolling(run: ProducerRun): Promise<void> {
  const { input, total, slots, waitMs, limiter, inFlight } = run;
  const { transport, invocations, clock } = input;
  // Insertion order is dispatch order, and so deadline order: the first entry expires first.
  const dispatchedAtMs = new Float64Array(total);
  let next = 0;
  // Since when a free slot has been held back by the rate limit (its wait is bounded by W).
  let heldSinceMs: number | undefined;
  const more = (): boolean => next < total && !run.stopping() && input.halted?.() !== true;

  while (more() || (inFlight.size > 0 && !run.interrupted())) {
    let rateReadyMs: number | undefined;
    while (more() && inFlight.size < slots) {
      const now = clock.monotonicMs();
      const waitMicros = limiter?.nextWaitMicroseconds(now / 1000) ?? 0;
      if (waitMicros > 0) {
        rateReadyMs = now + waitMicros / 1000;
        heldSinceMs ??= now;
        break;
      }
      // Recorded before hand-off: with an inline transport, recording after would measure completion.
      limiter?.record(now / 1000);
      dispatchedAtMs[next] = now;
      inFlight.add(next);
      heldSinceMs = undefined;
      run.dispatched();
      await transport.dispatch({ index: next, invocation: invocations[next] as SampleInvocation });
      next++;
    }
    await transport.flush?.();
    run.activity(inFlight.size, next, rateReadyMs ?? null);
    if (!more() && (inFlight.size === 0 || run.interrupted())) return;

    const oldest = inFlight.values().next();
    const sampleDeadlineMs = oldest.done
      ? Number.POSITIVE_INFINITY
      : (dispatchedAtMs[oldest.value] as number) + waitMs;
    const heldDeadlineMs =
      heldSinceMs === undefined ? Number.POSITIVE_INFINITY : heldSinceMs + waitMs;
    const untilMs = Math.min(sampleDeadlineMs, heldDeadlineMs, rateReadyMs ?? Infinity);
    // A freed slot ends the turn only when it can be refilled at once.
    const refillable = more() && rateReadyMs === undefined;
    if (inFlight.size === 0) await run.sleepUntil(untilMs);
    else await run.collect(inFlight, untilMs, refillable);

    const after = clock.monotonicMs();
    if (sampleDeadlineMs <= after) {
      for (const index of [...inFlight]) {
        if ((dispatchedAtMs[index] as number) + waitMs > after) break;
        inFlight.delete(index);
        run.late(index);
      }
    }
    if (heldDeadlineMs <= after && more()) {
      run.stop(
        `dispatch waited the full ${formatSeconds(waitMs / 1000)} wait timeout for a rate-limit slot, with ${total - next} of ${total} sample(s) still undispatched. Relax the rate limit, or raise the wait timeout.`,
      );
    }
  }
}

/**
 * Windowed dispatch, the original rule: send a window of E samples, then wait for all of it; one
 * hard wall-clock deadline per window covers the window's dispatch (rate-limit pauses included)
 * and its collection.
 */
async function dispatchWindowed(run: ProducerRun): Promise<void> {
  const { input, total, slots, waitMs, limiter } = run;
  const { transport, invocations, clock } = input;
  const open = (): boolean => !run.stopping() && input.halted?.() !== true;

  for (let start = 0; start < total && open(); start += slots) {
    const indexes = range(start, Math.min(start + slots, total));
    const deadlineMs = clock.monotonicMs() + waitMs;
    let dispatched = 0;
    for (const index of indexes) {
      if (clock.monotonicMs() >= deadlineMs || !open()) break;
      const capped = await throttle(run, deadlineMs, (waitMs) =>
        run.activity(dispatched, start + dispatched, clock.monotonicMs() + waitMs),
      );
      if (clock.monotonicMs() >= deadlineMs || run.interrupted()) break;
      if (
        capped &&
        limiter !== null &&
        limiter.nextWaitMicroseconds(clock.monotonicMs() / 1000) > 0
      ) {
        // The rate limit and the deadline both say no: wait out the budget so the deadline check fires.
        await run.sleepUntil(deadlineMs);
        break;
      }
      // Recorded before hand-off: with an inline transport, recording after would measure completion.
      limiter?.record(clock.monotonicMs() / 1000);
      run.inFlight.add(index);
      run.dispatched();
      await transport.dispatch({ index, invocation: invocations[index] as SampleInvocation });
      dispatched++;
    }
    await transport.flush?.();
    run.activity(dispatched, start + dispatched, null);
    if (run.interrupted()) return;

    const pending = run.inFlight;
    if (dispatched < indexes.length && clock.monotonicMs() >= deadlineMs) {
      // Collect what already finished before blaming the budget.
      await run.collect(pending, clock.monotonicMs());
      run.stop(
        `chunk dispatch consumed the full ${formatSeconds(waitMs / 1000)} wait timeout with ${indexes.length - dispatched} of ${indexes.length} sample(s) still undispatched before result collection started. Lower the chunk size, relax the rate limit, or raise the wait timeout.`,
      );
    }
    // Crossing the deadline after a full dispatch is not an error: collection still gets its
    // chance. A window stopped by an error still waits for the samples it sent.
    while (pending.size > 0 && !run.interrupted() && clock.monotonicMs() < deadlineMs)
      await run.collect(pending, deadlineMs);
    if (run.interrupted()) return;
    if (pending.size > 0) await run.collect(pending, clock.monotonicMs());
    for (const index of [...pending]) {
      pending.delete(index);
      run.late(index);
    }
  }
}

/**
 * A timer may fire up to a millisecond or so early (the event loop's clock is coarse), which
 * would let one dispatch into a window that is still full. The wait is checked again after each
 * sleep, a bounded number of times so that a clock whose sleep does not advance time cannot spin.
 */
const THROTTLE_RECHECKS = 4;

/**
 * Wait for the rate window, never past the deadline. Returns true when the wait was capped by the
 * deadline.
 */
async function throttle(
  run: ProducerRun,
  deadlineMs: number,
  onWait: (waitMs: number) => void,
): Promise<boolean> {
  const { limiter } = run;
  const { clock } = run.input;
  if (limiter === null) return false;
  for (let sleeps = 0; sleeps < THROTTLE_RECHECKS; sleeps++) {
    const waitMicros = limiter.nextWaitMicroseconds(clock.monotonicMs() / 1000);
    if (waitMicros <= 0) return false;
    const remainingMicros = Math.trunc((deadlineMs - clock.monotonicMs()) * 1000);
    if (remainingMicros <= 0) return true;
    onWait(Math.min(waitMicros, remainingMicros) / 1000);
    if (remainingMicros < waitMicros) {
      await clock.sleep(remainingMicros / 1000);
      return true;
    }
    await clock.sleep(waitMicros / 1000);
  }
  return false;
}

async function bestEffort(step: () => unknown): Promise<void> {
  try {
    await step();
  } catch {
    // Cleanup is best effort: it must never replace the batch's own result.
  }
}

function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}
