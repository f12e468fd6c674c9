import type { Clock } from '../clock.js';
import { InfraError, SutError } from '../errors.js';
import type { SampleInvocation, SutAnswer } from '../sut/index.js';
import { formatSeconds, listIds } from '../values.js';
import { effectiveChunkSize, effectiveDispatch, type BatchOptions } from './batch-options.js';
import { DEFAULT_RATE_WINDOW_SECONDS } from './defaults.js';
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
import type { SampleOutcome, SampleTransport } from './sample-transport.js';

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
  /** W when the options leave it unset (config `batches.lazyParallel.waitTimeoutSeconds`). */
  readonly defaultWaitTimeoutSeconds: number;
  readonly reporter?: BatchProgressReporter;
  /** Called once per successful sample as soon as its output is known (scoring starts here). */
  readonly onOutput?: (index: number, answer: SutAnswer) => void;
  /** Called whenever the number in flight changes or a rate-limit wait starts. */
  readonly onActivity?: (activity: DispatchActivity) => void;
  /**
   * Asked before each dispatch; once true (a spending budget ran out) nothing more is dispatched,
   * the samples in flight finish, and the loop returns what ran, with gaps for the rest.
   */
  readonly halted?: () => boolean;
}

type FailedOutcome = Extract<SampleOutcome, { ok: false }>;

/** The state both dispatch strategies share, and the steps they take the same way. */
interface ProducerRun {
  readonly input: ProducerLoopInput;
  readonly total: number;
  /** E: samples in flight at most (rolling), or the window size (windowed). */
  readonly slots: number;
  /** W in milliseconds. */
  readonly waitMs: number;
  readonly limiter: RateLimitWindow | null;
  /** The lowest-index failure that has arrived; the batch ends with it. */
  failure(): FailedOutcome | undefined;
  /**
   * Wait for outcomes of `pending` until `untilMs`, removing each from `pending` as it arrives.
   * Returns early once a failure arrived, `pending` is empty, or (with `endOnOutcome`) at the
   * first outcome.
   */
  collect(pending: Set<number>, untilMs: number, endOnOutcome?: boolean): Promise<void>;
  /**
   * Tell a live display what the producer is doing. The strategies call it when they dispatch or
   * start a rate-limit wait; collect() calls it for each outcome with what it last heard.
   */
  activity(inFlight: number, dispatched: number, rateLimitUntilMs: number | null): void;
  timeoutError(late: Iterable<number>): InfraError;
}

/**
 * The producer loop, written once for every transport (docs/PROGRESS.md): dispatch rolling (keep
 * up to E samples in flight, refill a slot as soon as it frees) or windowed (send E, wait for all
 * of them, then the next E), throttled by the sliding rate window and bounded by the wait
 * timeout; checkpoint and terminal progress; outputs assembled in dataset order whatever order
 * they finished in.
 */
export async function runProducerLoop(
  input: ProducerLoopInput,
): Promise<(SutAnswer | undefined)[]> {
  const { batchId, invocations, options, transport, clock } = input;
  const reporter = input.reporter ?? nullProgressReporter;
  const total = invocations.length;
  const waitSeconds = options.waitTimeoutSeconds ?? input.defaultWaitTimeoutSeconds;
  const checkpoints = new CheckpointTracker(options.checkpointEvery, total, (completed) =>
    callSafely(() => reporter.reportCheckpoint(batchId, completed, total)),
  );
  const terminal = (completed: number, status: TerminalStatus): void => {
    if (isTerminalReporter(reporter))
      callSafely(() => reporter.reportTerminal(batchId, completed, total, status));
  };

  const outputs = new Array<SutAnswer | undefined>(total);
  // Checkpoints count successes, whatever their order: in windowed dispatch a window only ends
  // when all of it succeeded, so this equals the samples of finished windows plus the current
  // window's successes.
  let successes = 0;
  let failure: FailedOutcome | undefined;
  // What the strategies last reported, repeated with each outcome.
  let lastDispatched = 0;
  let lastRateLimitUntilMs: number | null = null;

  const accept = (outcome: SampleOutcome): void => {
    if (outcome.ok) {
      outputs[outcome.index] = outcome.answer;
      successes++;
      checkpoints.advance(successes);
      input.onOutput?.(outcome.index, outcome.answer);
    } else if (failure === undefined || outcome.index < failure.index) {
      // Several failures in one turn: the lowest index wins.
      failure = outcome;
    }
  };

  const run: ProducerRun = {
    input,
    total,
    slots: effectiveChunkSize(options),
    waitMs: waitSeconds * 1000,
    limiter:
      options.rateLimit === null
        ? null
        : new RateLimitWindow(
            options.rateLimit,
            options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS,
          ),
    failure: () => failure,
    async collect(pending, untilMs, endOnOutcome = false) {
      const turn = new AbortController();
      if (pending.size === 0) turn.abort(TURN_OVER);
      await transport.awaitOutcomes(
        pending,
        untilMs,
        (outcome) => {
          // First outcome per index wins; late duplicates (a retried job) are ignored.
          if (!pending.delete(outcome.index)) return;
          // Before accept(): a checkpoint line shows the samples still in flight.
          run.activity(pending.size, lastDispatched, lastRateLimitUntilMs);
          accept(outcome);
          if (failure !== undefined || pending.size === 0 || endOnOutcome) turn.abort(TURN_OVER);
        },
        turn.signal,
      );
    },
    activity(inFlight, dispatched, rateLimitUntilMs) {
      if (input.onActivity === undefined) return;
      lastDispatched = dispatched;
      lastRateLimitUntilMs = rateLimitUntilMs;
      const rateLimitWaitMs =
        rateLimitUntilMs === null ? null : Math.max(0, rateLimitUntilMs - clock.monotonicMs());
      callSafely(() => input.onActivity?.({ inFlight, dispatched, total, rateLimitWaitMs }));
    },
    timeoutError(late) {
      const ids = [...late]
        .sort((a, b) => a - b)
        .map((index) => invocations[index]?.id ?? String(index));
      return new InfraError(
        `Batch '${batchId}' did not produce outputs within ${formatSeconds(waitSeconds)} for sample ids: ${listIds(ids)}. Increase the batch wait timeout (waitTimeoutSeconds), and check that the system under test or its workers are running.`,
        { code: 'E_BATCH_TIMEOUT' },
      );
    },
  };

  try {
    await transport.begin?.();
    if (effectiveDispatch(options) === 'windowed') await dispatchWindowed(run);
    else await dispatchRolling(run);
    if (successes < total && input.halted?.() === true) {
      checkpoints.finishFailure(successes);
      terminal(successes, PROGRESS_STATUS.failure);
      await bestEffort(() => transport.complete?.());
      return outputs;
    }
    const assembled = outputs.map((output, index) => {
      if (output === undefined) {
        throw new InfraError(
          `Batch output for sample '${invocations[index]?.id}' at index ${index} is missing.`,
        );
      }
      return output;
    });
    checkpoints.finishSuccess(total);
    terminal(total, total === 0 ? PROGRESS_STATUS.empty : PROGRESS_STATUS.success);
    await bestEffort(() => transport.complete?.());
    return assembled;
  } catch (error) {
    const reported = Math.min(total, successes);
    checkpoints.finishFailure(reported);
    terminal(reported, PROGRESS_STATUS.failure);
    // Cleanup errors never replace the original failure.
    await bestEffort(() => transport.cancel?.(error));
    throw error;
  }
}

/** Why a turn's wait ended before its deadline: an expected event, not an error. */
const TURN_OVER = Symbol('turn over');

function throwIfFailed(run: ProducerRun): void {
  const failure = run.failure();
  if (failure !== undefined) throw new SutError(failure.message, { code: 'E_SAMPLE_FAILED' });
}

/**
 * Rolling dispatch: at most E in flight, and a freed slot is refilled in the same turn, so a slow
 * sample holds one slot instead of a whole window. Each sample has W from its own dispatch; a
 * free slot may wait at most W for the rate limit. The dispatches of one turn go out together
 * (one flush), which a queue transport sends as one bulk.
 */
async function dispatchRolling(run: ProducerRun): Promise<void> {
  const { input, total, slots, waitMs, limiter } = run;
  const { transport, invocations, clock } = input;
  // Insertion order is dispatch order, and so deadline order: the first entry expires first.
  const inFlight = new Set<number>();
  const dispatchedAtMs = new Float64Array(total);
  let next = 0;
  // Since when a free slot has been held back by the rate limit (its wait is bounded by W).
  let heldSinceMs: number | undefined;
  const more = (): boolean => next < total && input.halted?.() !== true;

  while (more() || inFlight.size > 0) {
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
      await transport.dispatch({ index: next, invocation: invocations[next] as SampleInvocation });
      next++;
    }
    await transport.flush?.();
    const now = clock.monotonicMs();
    run.activity(inFlight.size, next, rateReadyMs ?? null);
    if (!more() && inFlight.size === 0) return;

    const oldest = inFlight.values().next();
    const sampleDeadlineMs = oldest.done
      ? Number.POSITIVE_INFINITY
      : (dispatchedAtMs[oldest.value] as number) + waitMs;
    const heldDeadlineMs =
      heldSinceMs === undefined ? Number.POSITIVE_INFINITY : heldSinceMs + waitMs;
    const untilMs = Math.min(sampleDeadlineMs, heldDeadlineMs, rateReadyMs ?? Infinity);
    // A freed slot ends the turn only when it can be refilled at once.
    const refillable = more() && rateReadyMs === undefined;
    if (inFlight.size === 0) await clock.sleep(Math.max(0, untilMs - now));
    else await run.collect(inFlight, untilMs, refillable);

    throwIfFailed(run);
    const after = clock.monotonicMs();
    if (sampleDeadlineMs <= after) {
      const late = [...inFlight].filter(
        (index) => (dispatchedAtMs[index] as number) + waitMs <= after,
      );
      if (late.length > 0) throw run.timeoutError(late);
    }
    if (heldDeadlineMs <= after && more()) {
      throw new InfraError(
        `Batch '${input.batchId}': dispatch consumed the full ${formatSeconds(waitMs / 1000)} wait timeout waiting for a rate-limit slot, with ${total - next} of ${total} sample(s) still undispatched. Relax the rate limit, or raise the wait timeout.`,
        { code: 'E_BATCH_TIMEOUT' },
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

  for (let start = 0; start < total && input.halted?.() !== true; start += slots) {
    const indexes = range(start, Math.min(start + slots, total));
    const deadlineMs = clock.monotonicMs() + waitMs;
    let dispatched = 0;
    for (const index of indexes) {
      if (clock.monotonicMs() >= deadlineMs) break;
      const capped = await throttle(run, deadlineMs, (waitMs) =>
        run.activity(dispatched, start + dispatched, clock.monotonicMs() + waitMs),
      );
      if (clock.monotonicMs() >= deadlineMs) break;
      if (
        capped &&
        limiter !== null &&
        limiter.nextWaitMicroseconds(clock.monotonicMs() / 1000) > 0
      ) {
        // The rate limit and the deadline both say no: wait out the budget so the deadline check fires.
        await clock.sleep(Math.max(0, deadlineMs - clock.monotonicMs()));
        break;
      }
      // Recorded before hand-off: with an inline transport, recording after would measure completion.
      limiter?.record(clock.monotonicMs() / 1000);
      await transport.dispatch({ index, invocation: invocations[index] as SampleInvocation });
      dispatched++;
    }
    await transport.flush?.();
    run.activity(dispatched, start + dispatched, null);

    const pending = new Set(indexes.slice(0, dispatched));
    if (dispatched < indexes.length && clock.monotonicMs() >= deadlineMs) {
      // Surface a failure that already happened before blaming the budget.
      await run.collect(pending, clock.monotonicMs());
      throwIfFailed(run);
      throw new InfraError(
        `Batch '${input.batchId}': chunk dispatch consumed the full ${formatSeconds(waitMs / 1000)} wait timeout with ${indexes.length - dispatched} of ${indexes.length} sample(s) still undispatched before result collection started. Lower the chunk size, relax the rate limit, or raise the wait timeout.`,
        { code: 'E_BATCH_TIMEOUT' },
      );
    }
    // Crossing the deadline after a full dispatch is not an error: collection still gets its chance.
    await run.collect(pending, deadlineMs);
    throwIfFailed(run);
    if (pending.size > 0) throw run.timeoutError(pending);
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
