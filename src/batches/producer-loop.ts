import type { Clock } from '../clock.js';
import { InfraError, SutError } from '../errors.js';
import type { SampleInvocation } from '../sut/index.js';
import { formatSeconds, listIds } from '../values.js';
import { effectiveChunkSize, type BatchOptions } from './batch-options.js';
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
  readonly onOutput?: (index: number, output: string) => void;
}

/**
 * The producer loop, written once for every transport (spec/batch.md §6.2-6.4): windows of
 * effectiveChunkSize(), dispatch throttled by the sliding rate window, one hard wall-clock
 * deadline per window covering dispatch and collection, checkpoint and terminal progress, and
 * outputs assembled in dataset order whatever order they finished in.
 */
export async function runProducerLoop(input: ProducerLoopInput): Promise<string[]> {
  const { batchId, invocations, options, transport, clock } = input;
  const reporter = input.reporter ?? nullProgressReporter;
  const total = invocations.length;
  const chunk = effectiveChunkSize(options);
  const waitSeconds = options.waitTimeoutSeconds ?? input.defaultWaitTimeoutSeconds;
  const limiter =
    options.rateLimit === null
      ? null
      : new RateLimitWindow(
          options.rateLimit,
          options.rateWindowSeconds ?? DEFAULT_RATE_WINDOW_SECONDS,
        );
  const checkpoints = new CheckpointTracker(options.checkpointEvery, total, (completed) =>
    callSafely(() => reporter.reportCheckpoint(batchId, completed, total)),
  );
  const terminal = (completed: number, status: TerminalStatus): void => {
    if (isTerminalReporter(reporter))
      callSafely(() => reporter.reportTerminal(batchId, completed, total, status));
  };
  const nowSeconds = (): number => clock.monotonicMs() / 1000;

  const outputs = new Array<string | undefined>(total);
  let finishedSamples = 0;
  let windowSuccesses = 0;

  /** §6.3: dispatch a window's samples until done or the deadline; returns how many went out. */
  const dispatchWindow = async (
    indexes: readonly number[],
    deadlineMs: number,
  ): Promise<number> => {
    let dispatched = 0;
    for (const index of indexes) {
      if (clock.monotonicMs() >= deadlineMs) break;
      const capped = await throttle(limiter, deadlineMs, clock);
      if (clock.monotonicMs() >= deadlineMs) break;
      if (capped && limiter !== null && limiter.nextWaitMicroseconds(nowSeconds()) > 0) {
        // The rate limit and the deadline both say no: wait out the budget so the deadline check fires.
        await clock.sleep(Math.max(0, deadlineMs - clock.monotonicMs()));
        break;
      }
      // Recorded before hand-off: with an inline transport, recording after would measure completion.
      limiter?.record(nowSeconds());
      await transport.dispatch({ index, invocation: invocations[index] as SampleInvocation });
      dispatched++;
    }
    await transport.flush?.();
    return dispatched;
  };

  /** §6.4: wait for a window's outcomes; a failure or the deadline ends the batch. */
  const collectWindow = async (
    indexes: readonly number[],
    deadlineMs: number,
    completedBefore: number,
  ): Promise<void> => {
    const pending = new Set(indexes);
    let failure: Extract<SampleOutcome, { ok: false }> | undefined;
    const done = new AbortController();
    if (pending.size === 0) done.abort();
    await transport.awaitWindow(
      indexes,
      deadlineMs,
      (outcome) => {
        // First outcome per index wins; late duplicates (a retried job) are ignored.
        if (!pending.delete(outcome.index)) return;
        if (outcome.ok) {
          outputs[outcome.index] = outcome.output;
          windowSuccesses++;
          checkpoints.advance(Math.min(total, completedBefore + windowSuccesses));
          input.onOutput?.(outcome.index, outcome.output);
        } else if (failure === undefined || outcome.index < failure.index) {
          failure = outcome;
          done.abort();
        }
        if (pending.size === 0) done.abort();
      },
      done.signal,
    );
    if (failure !== undefined) throw new SutError(failure.message, { code: 'E_SAMPLE_FAILED' });
    if (pending.size > 0) {
      const ids = [...pending]
        .sort((a, b) => a - b)
        .map((index) => invocations[index]?.id ?? String(index));
      throw new InfraError(
        `Batch '${batchId}' did not produce outputs within ${formatSeconds(waitSeconds)} for sample ids: ${listIds(ids)}. Increase the batch wait timeout (waitTimeoutSeconds), and check that the system under test or its workers are running.`,
        { code: 'E_BATCH_TIMEOUT' },
      );
    }
  };

  try {
    await transport.begin?.();
    for (let start = 0; start < total; start += chunk) {
      const indexes = range(start, Math.min(start + chunk, total));
      windowSuccesses = 0;
      const deadlineMs = clock.monotonicMs() + waitSeconds * 1000;
      const dispatched = await dispatchWindow(indexes, deadlineMs);
      if (dispatched < indexes.length && clock.monotonicMs() >= deadlineMs) {
        // Surface a failure that already happened before blaming the budget.
        await collectWindow(
          indexes.slice(0, dispatched),
          clock.monotonicMs(),
          finishedSamples,
        ).catch((error: unknown) => {
          if (error instanceof SutError) throw error;
        });
        throw new InfraError(
          `Batch '${batchId}': chunk dispatch consumed the full ${formatSeconds(waitSeconds)} wait timeout with ${indexes.length - dispatched} of ${indexes.length} sample(s) still undispatched before result collection started. Lower the chunk size, relax the rate limit, or raise the wait timeout.`,
          { code: 'E_BATCH_TIMEOUT' },
        );
      }
      // Crossing the deadline after a full dispatch is not an error: collection still gets its chance.
      await collectWindow(indexes, deadlineMs, finishedSamples);
      finishedSamples += indexes.length;
      windowSuccesses = 0;
      checkpoints.advance(finishedSamples);
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
    const reported = Math.min(total, finishedSamples + windowSuccesses);
    checkpoints.finishFailure(reported);
    terminal(reported, PROGRESS_STATUS.failure);
    // Cleanup errors never replace the original failure.
    await bestEffort(() => transport.cancel?.(error));
    throw error;
  }
}

/**
 * A timer may fire up to a millisecond or so early (the event loop's clock is coarse), which
 * would let one dispatch into a window that is still full. The wait is checked again after each
 * sleep, a bounded number of times so that a clock whose sleep does not advance time cannot spin.
 */
const THROTTLE_RECHECKS = 4;

/**
 * §6.3 step 2: wait for the rate window, never past the deadline. Returns true when the wait was
 * capped by the deadline.
 */
async function throttle(
  limiter: RateLimitWindow | null,
  deadlineMs: number,
  clock: Clock,
): Promise<boolean> {
  if (limiter === null) return false;
  for (let sleeps = 0; sleeps < THROTTLE_RECHECKS; sleeps++) {
    const waitMicros = limiter.nextWaitMicroseconds(clock.monotonicMs() / 1000);
    if (waitMicros <= 0) return false;
    const remainingMicros = Math.trunc((deadlineMs - clock.monotonicMs()) * 1000);
    if (remainingMicros <= 0) return true;
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
    // Best effort by contract (spec/batch.md §6.2).
  }
}

function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}
