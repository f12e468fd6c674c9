import { SLEEP_CANCELLED, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import {
  SutCallError,
  toSutAnswer,
  type SampleInvocation,
  type SampleRunner,
  type SutAnswer,
} from '../sut/index.js';
import { trackPendingCall } from '../pending-calls.js';
import { formatSeconds } from '../values.js';

export { settleAbandonedCalls } from '../pending-calls.js';

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

const TIMED_OUT = Symbol('timed out');
const ABANDONED = Symbol('abandoned');

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
    /** Cancels the call and its retries (the transport cancels through it). */
    readonly signal?: AbortSignal;
    /** Awaited before each retry: a rate limit takes a slot of its window here. */
    readonly beforeRetry?: () => Promise<void>;
    /** For the jitter; tests pin it. @defaultValue Math.random */
    readonly random?: () => number;
  },
): Promise<RunnerCallResult> {
  const retries = options.retries ?? 0;
  for (let attempt = 1; ; attempt++) {
    const result = await attemptCall(runner, invocation, options);
    const cause = result.ok ? undefined : result.cause;
    const retryable =
      !result.ok &&
      (result.kind === 'timeout' ||
        (result.kind === 'error' && !(cause instanceof SutCallError && !cause.retryable)));
    if (!retryable || attempt > retries || options.signal?.aborted === true)
      return { ...result, attempts: attempt };
    const asked = cause instanceof SutCallError ? cause.retryAfterMs : undefined;
    const backoff = Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_CAP_MS);
    const jittered = backoff * (0.5 + 0.5 * (options.random ?? Math.random)());
    try {
      await options.clock.sleep(Math.max(asked ?? 0, jittered), options.signal);
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

async function attemptCall(
  runner: SampleRunner,
  invocation: SampleInvocation,
  options: SutCallPolicy & { readonly clock: Clock; readonly signal?: AbortSignal },
): Promise<AttemptResult> {
  // Each attempt has its own signal: a timed-out attempt aborts it, and a retry starts clean.
  const controller = new AbortController();
  const outer = options.signal;
  const onCancel = (): void => controller.abort(outer?.reason);
  if (outer?.aborted === true) onCancel();
  else outer?.addEventListener('abort', onCancel, { once: true });
  // Only a call with a timeout needs a timer (and a way to cancel it).
  const timer = options.timeoutSeconds === null ? undefined : new AbortController();
  let abandon: (() => void) | undefined;
  const abandoned = new Promise<typeof ABANDONED>((resolve) => {
    abandon = () => resolve(ABANDONED);
  });
  const untrack = trackPendingCall(abandon as () => void);
  try {
    const call = Promise.resolve().then(() => runner(invocation, { signal: controller.signal }));
    const racers: Promise<unknown>[] = [call, abandoned];
    if (timer !== undefined && options.timeoutSeconds !== null)
      racers.push(
        options.clock
          .sleep(options.timeoutSeconds * 1000, timer.signal, { unref: true })
          .then(() => TIMED_OUT),
      );
    const result: unknown = await Promise.race(racers);
    if (result === TIMED_OUT) {
      const reason = `timed out after ${formatSeconds(options.timeoutSeconds as number)}`;
      controller.abort(new Error(reason));
      return { ok: false, kind: 'timeout', reason };
    }
    if (result === ABANDONED) {
      controller.abort(new Error('abandoned'));
      call.catch(() => undefined);
      return {
        ok: false,
        kind: 'abandoned',
        reason:
          'never settled: its promise was still pending when the process had nothing left to wait for (nothing will ever resolve or reject it)',
      };
    }
    const checked = toSutAnswer(result);
    if ('problem' in checked) return { ok: false, kind: 'type', reason: checked.problem };
    return { ok: true, answer: checked.answer };
  } catch (error) {
    return { ok: false, kind: 'error', reason: errorMessage(error), cause: error };
  } finally {
    untrack();
    timer?.abort(SLEEP_CANCELLED);
    outer?.removeEventListener('abort', onCancel);
  }
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
