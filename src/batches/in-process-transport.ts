import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { SampleInvocation, SampleRunner } from '../sut/index.js';
import { debugType } from '../values.js';
import type { SampleJob, SampleOutcome, SampleTransport } from './sample-transport.js';

export interface InProcessTransportOptions {
  readonly runner: SampleRunner;
  /** Per-sample limit; the call's AbortSignal fires when it passes. */
  readonly timeoutSeconds: number | null;
  readonly clock: Clock;
}

const TIMED_OUT = Symbol('timed out');

/**
 * The `concurrent` mode transport: each dispatched sample is an in-process SUT call. In-flight
 * calls are bounded by the producer window (at most `concurrency`).
 */
export function createInProcessTransport(options: InProcessTransportOptions): SampleTransport {
  const { runner, timeoutSeconds, clock } = options;
  // Outcomes that arrived while nobody was listening (before awaitWindow, or late).
  const settled = new Map<number, SampleOutcome>();
  const inFlight = new Map<number, AbortController>();
  let listener: ((outcome: SampleOutcome) => void) | undefined;

  const deliver = (outcome: SampleOutcome): void => {
    inFlight.delete(outcome.index);
    if (listener !== undefined) listener(outcome);
    else settled.set(outcome.index, outcome);
  };

  return {
    dispatch(job: SampleJob): void {
      const controller = new AbortController();
      inFlight.set(job.index, controller);
      void callRunner(runner, job, controller, timeoutSeconds, clock).then(deliver);
    },

    async awaitWindow(indexes, deadlineMs, onOutcome, signal): Promise<void> {
      for (const index of indexes) {
        const outcome = settled.get(index);
        if (outcome !== undefined) {
          settled.delete(index);
          onOutcome(outcome);
        }
      }
      if (signal.aborted) return;
      listener = onOutcome;
      try {
        await clock.sleep(Math.max(0, deadlineMs - clock.monotonicMs()), signal);
      } catch {
        // Aborted: the loop has every outcome it needs.
      } finally {
        listener = undefined;
      }
    },

    cancel(reason: unknown): void {
      for (const controller of inFlight.values()) controller.abort(reason);
      inFlight.clear();
    },
  };
}

async function callRunner(
  runner: SampleRunner,
  job: SampleJob,
  controller: AbortController,
  timeoutSeconds: number | null,
  clock: Clock,
): Promise<SampleOutcome> {
  const { index, invocation } = job;
  const timer = new AbortController();
  try {
    const call = Promise.resolve().then(() => runner(invocation, { signal: controller.signal }));
    const raced: unknown =
      timeoutSeconds === null
        ? await call
        : await Promise.race([
            call,
            clock.sleep(timeoutSeconds * 1000, timer.signal).then(() => TIMED_OUT),
          ]);
    if (raced === TIMED_OUT) {
      controller.abort(new Error(`timed out after ${timeoutSeconds} s`));
      return failed(
        index,
        `System-under-test for sample '${invocation.id}' did not answer within ${seconds(timeoutSeconds as number)} (per-sample timeout); the call was aborted.`,
      );
    }
    if (typeof raced !== 'string') {
      return failed(
        index,
        `System-under-test for sample '${invocation.id}' must return a string; got ${debugType(raced)}.`,
      );
    }
    return { index, ok: true, output: raced };
  } catch (error) {
    return failed(index, sutFailure(invocation, error));
  } finally {
    timer.abort();
  }
}

function failed(index: number, message: string): SampleOutcome {
  return { index, ok: false, message };
}

function sutFailure(invocation: SampleInvocation, error: unknown): string {
  return `System-under-test failed for sample '${invocation.id}': ${errorMessage(error)}`;
}

function seconds(value: number): string {
  return value === 1 ? '1 second' : `${value} seconds`;
}
