import { SLEEP_CANCELLED, type Clock } from '../../clock.js';
import { errorMessage } from '../../errors.js';
import {
  SutCallError,
  toSutAnswer,
  type SampleInvocation,
  type SampleRunner,
  type SutAnswer,
} from '../../sut/index.js';
import { trackPendingCall } from '../../pending-calls.js';
import { formatSeconds } from '../../values.js';

export { settleAbandonedCalls } from '../../pending-calls.js';

/** How a SUT call ended, after its retries; `reason` is short, callers wrap it in a sentence. */
export type RunnerCallResult =
  | { readonly ok: true; readonly answer: SutAnswer; readonly attempts: number }
  | {
      readonly ok: false;
      readonly kind: 'error' | 'timeout' | 'type' | 'abandoned';
      readonly reason: string;
      /** What the SUT threw, kept for `--debug`. */
      readonly cause?: unknown;
      readonly attempts: number;
    };

/** What every SUT call obeys, whatever the batch mode (docs/REPORTS.md, sample errors). */
export interface SutCallPolicy {
  /** Per attempt; null for none (a library caller's choice; the CLI always sets one). */
  readonly timeoutSeconds: number | null;
  /** Extra attempts after the first. @defaultValue 0 */
  readonly retries?: number;
}

/** The default SUT call timeout of `--sut-timeout` / `sut.timeoutSeconds`. */
export const DEFAULT_SUT_TIMEOUT_SECONDS = 300;
/**
 * The policy one SUT call runs with: the SUT's (default 300 s, no retries) under the batch's
 * per-sample timeout, the tighter timeout winning.
 */
export function effectiveCallPolicy(
  batchTimeoutSeconds: number | null,
  sut: SutCallPolicy | undefined,
): SutCallPolicy {
  const sutTimeout = sut === undefined ? DEFAULT_SUT_TIMEOUT_SECONDS : sut.timeoutSeconds;
  return {
    timeoutSeconds:
      batchTimeoutSeconds === null
        ? sutTimeout
        : sutTimeout === null
          ? batchTimeoutSeconds
          : Math.min(batchTimeoutSeconds, sutTimeout),
    retries: sut?.retries ?? 0,
  };
}

/** The first retry waits about this long; each later one twice as long, up to the cap. */
const RETRY_BASE_MS = 250;
const RETRY_CAP_MS = 30_000;

/**
 * Call a SUT for one sample: each attempt with the policy's timeout (the attempt's AbortSignal
 * fires when it passes, and the attempt counts as failed even if the SUT ignores the signal),
 * then up to `retries` more attempts with exponential backoff and jitter for a failure that may
 * pass on a second try (a thrown error or a timeout; never an answer of the wrong shape or a
 * `SutCallError` marked not retryable). One implementation for serial, concurrent and queue
 * workers.
 */
export async function callSampleRunner(
  runner: SampleRunner,
  invocation: SampleInvocation,
  options: SutCallPolicy & {
    readonly clock: Clock;
    /** Cancels the call and its retries. */
    readonly signal?: AbortSignal;
    /** Awaited before each retry: a rate limit takes a slot of its window here. */
    readonly beforeRetry?: () => Promise<void>;
    /** For the jitter; tests pin it. @defaultValue Math.random */
    readonly random?: () => number;
  },
  /**
   * The caller's own controller, which cancels the call and its retries: the first attempt hands
   * its signal to the SUT as is, so a call costs no second controller. (A separate argument, so
   * that a caller passes one options object for every call.)
   */
  controller?: AbortController,
): Promise<RunnerCallResult> {
  const retries = options.retries ?? 0;
  const cancel = controller?.signal ?? options.signal;
  for (let attempt = 1; ; attempt++) {
    const result = await attemptCall(
      runner,
      invocation,
      options,
      attempt === 1 ? controller : undefined,
      cancel,
    );
    const cause = result.ok ? undefined : result.cause;
    const retryable =
      !result.ok &&
      (result.kind === 'timeout' ||
        (result.kind === 'error' && !(cause instanceof SutCallError && !cause.retryable)));
    if (!retryable || attempt > retries || cancel?.aborted === true)
      return { ...result, attempts: attempt };
    const asked = cause instanceof SutCallError ? cause.retryAfterMs : undefined;
    const backoff = Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_CAP_MS);
    const jittered = backoff * (0.5 + 0.5 * (options.random ?? Math.random)());
    try {
      await options.clock.sleep(Math.max(asked ?? 0, jittered), cancel);
      await options.beforeRetry?.();
    } catch {
      return { ...result, attempts: attempt };
    }
  }
}

type AttemptResult =
  | { readonly ok: true; readonly answer: SutAnswer }
  | {
      readonly ok: false;
      readonly kind: 'error' | 'timeout' | 'type' | 'abandoned';
      readonly reason: string;
      readonly cause?: unknown;
    };

/**
 * One attempt: the SUT is called with an AbortSignal that fires on its timeout or a cancel, and
 * the first of "answered", "threw", "timed out" or "abandoned" settles the attempt. Written with
 * one promise and no `Promise.race`: a run of a million samples makes a million of these.
 */
function attemptCall(
  runner: SampleRunner,
  invocation: SampleInvocation,
  options: SutCallPolicy & { readonly clock: Clock },
  own: AbortController | undefined,
  cancel: AbortSignal | undefined,
): Promise<AttemptResult> {
  // The first attempt uses the caller's controller when there is one; otherwise, and for a retry
  // (the timed-out attempt's signal has already fired), a fresh one linked to the cancel signal.
  const controller = own ?? new AbortController();
  const outer = own === undefined ? cancel : undefined;
  const onCancel = (): void => controller.abort(outer?.reason);
  if (outer?.aborted === true) onCancel();
  else outer?.addEventListener('abort', onCancel, { once: true });
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    let cancelTimer: (() => void) | undefined;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      untrack();
      cancelTimer?.();
      outer?.removeEventListener('abort', onCancel);
      resolve(result);
    };
    const stop = (result: AttemptResult & { ok: false }): void => {
      if (settled) return;
      controller.abort(new Error(result.reason));
      finish(result);
    };
    // Only called once the attempt is under way: neither can fire before these lines have run.
    const untrack = trackPendingCall(() =>
      stop({
        ok: false,
        kind: 'abandoned',
        reason:
          'never settled: its promise was still pending when the process had nothing left to wait for (nothing will ever resolve or reject it)',
      }),
    );
    const limit = options.timeoutSeconds;
    if (limit !== null)
      cancelTimer = startTimer(options, () =>
        stop({ ok: false, kind: 'timeout', reason: `timed out after ${formatSeconds(limit)}` }),
      );
    const answered = (value: unknown): void => {
      const checked = toSutAnswer(value);
      finish(
        'problem' in checked
          ? { ok: false, kind: 'type', reason: checked.problem }
          : {
              ok: true,
              answer: { ...checked.answer, latencyMs: options.clock.monotonicMs() - startedMs },
            },
      );
    };
    const threw = (error: unknown): void =>
      finish({ ok: false, kind: 'error', reason: errorMessage(error), cause: error });
    let value: unknown;
    // The latency a metric can gate on: this attempt's wall time, from the call to its answer.
    const startedMs = options.clock.monotonicMs();
    try {
      value = runner(invocation, { signal: controller.signal });
    } catch (error) {
      threw(error);
      return;
    }
    if (isThenable(value)) value.then(answered, threw);
    else answered(value);
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Start the call's timeout: the clock's own timer when it has one (no AbortController per call),
 * else a cancellable sleep. Either way it does not hold the process open.
 */
function startTimer(
  options: SutCallPolicy & { readonly clock: Clock },
  fire: () => void,
): () => void {
  const ms = (options.timeoutSeconds as number) * 1000;
  if (options.clock.timer !== undefined) return options.clock.timer(ms, fire);
  const cancel = new AbortController();
  options.clock.sleep(ms, cancel.signal, { unref: true }).then(fire, () => undefined);
  return () => cancel.abort(SLEEP_CANCELLED);
}

/**
 * The sentence that names a failed call's sample and says what went wrong, the same in every
 * mode (serial, concurrent, a queue worker's recorded failure).
 */
export function sutFailureMessage(
  sampleId: string,
  result: RunnerCallResult & { ok: false },
): string {
  const tries = result.attempts > 1 ? ` after ${result.attempts} attempts` : '';
  switch (result.kind) {
    case 'timeout':
      return `System-under-test for sample '${sampleId}' ${result.reason}${tries}; the call was aborted (raise --sut-timeout or sut.timeoutSeconds if it needs longer).`;
    case 'type':
    case 'abandoned':
      return `System-under-test for sample '${sampleId}' ${result.reason}.`;
    default:
      return `System-under-test failed for sample '${sampleId}'${tries}: ${result.reason}`;
  }
}
