import { SLEEP_CANCELLED, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import {
  toSutAnswer,
  type SampleInvocation,
  type SampleRunner,
  type SutAnswer,
} from '../sut/index.js';
import { formatSeconds } from '../values.js';

/** How one SUT call ended; `reason` is short, callers wrap it in their own sentence. */
export type RunnerCallResult =
  | { readonly ok: true; readonly answer: SutAnswer }
  | {
      readonly ok: false;
      readonly kind: 'error' | 'timeout' | 'type';
      readonly reason: string;
      /** What the SUT threw, kept for `--debug`. */
      readonly cause?: unknown;
    };

const TIMED_OUT = Symbol('timed out');

/**
 * Call a SUT once, with an optional per-sample timeout: when it passes, the call's AbortSignal
 * fires and the call counts as failed even if the SUT ignores the signal. Shared by the
 * in-process transport and the queue worker.
 */
export async function callSampleRunner(
  runner: SampleRunner,
  invocation: SampleInvocation,
  options: {
    readonly timeoutSeconds: number | null;
    readonly clock: Clock;
    /** Aborts the call (the transport cancels through it); its signal is what the SUT sees. */
    readonly controller?: AbortController;
  },
): Promise<RunnerCallResult> {
  const controller = options.controller ?? new AbortController();
  // Only a call with a timeout needs a timer (and a way to cancel it).
  const timer = options.timeoutSeconds === null ? undefined : new AbortController();
  try {
    const call = Promise.resolve().then(() => runner(invocation, { signal: controller.signal }));
    const result: unknown =
      timer === undefined || options.timeoutSeconds === null
        ? await call
        : await Promise.race([
            call,
            options.clock.sleep(options.timeoutSeconds * 1000, timer.signal).then(() => TIMED_OUT),
          ]);
    if (result === TIMED_OUT) {
      const limit = formatSeconds(options.timeoutSeconds as number);
      controller.abort(new Error(`timed out after ${limit}`));
      return {
        ok: false,
        kind: 'timeout',
        reason: `did not answer within ${limit} (per-sample timeout)`,
      };
    }
    const checked = toSutAnswer(result);
    if ('problem' in checked) return { ok: false, kind: 'type', reason: checked.problem };
    return { ok: true, answer: checked.answer };
  } catch (error) {
    return { ok: false, kind: 'error', reason: errorMessage(error), cause: error };
  } finally {
    timer?.abort(SLEEP_CANCELLED);
  }
}

/**
 * The sentence that names a failed call's sample and says what went wrong, the same in every
 * mode (serial, concurrent, a queue worker's recorded failure is worded by the worker).
 */
export function sutFailureMessage(
  sampleId: string,
  result: RunnerCallResult & { ok: false },
): string {
  switch (result.kind) {
    case 'timeout':
      return `System-under-test for sample '${sampleId}' ${result.reason}; the call was aborted.`;
    case 'type':
      return `System-under-test for sample '${sampleId}' ${result.reason}.`;
    default:
      return `System-under-test failed for sample '${sampleId}': ${result.reason}`;
  }
}
