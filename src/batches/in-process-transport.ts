import type { Clock } from '../clock.js';
import type { SampleRunner } from '../sut/index.js';
import { callSampleRunner, sutFailureMessage, type RunnerCallResult } from './call-runner.js';
import type { SampleJob, SampleOutcome, SampleTransport } from './sample-transport.js';

export interface InProcessTransportOptions {
  readonly runner: SampleRunner;
  /** Per-sample limit; the call's AbortSignal fires when it passes. */
  readonly timeoutSeconds: number | null;
  readonly clock: Clock;
}

/**
 * The `concurrent` mode transport: each dispatched sample is an in-process SUT call. In-flight
 * calls are bounded by the producer loop (at most the chunk size, itself at most `concurrency`).
 */
export function createInProcessTransport(options: InProcessTransportOptions): SampleTransport {
  const { runner, timeoutSeconds, clock } = options;
  // Outcomes that arrived while nobody was listening (between two awaitOutcomes calls).
  const settled = new Map<number, SampleOutcome>();
  const inFlight = new Map<number, AbortController>();
  let listener: ((outcome: SampleOutcome) => void) | undefined;

  const deliver = (outcome: SampleOutcome): void => {
    inFlight.delete(outcome.index);
    if (listener !== undefined) listener(outcome);
    else settled.set(outcome.index, outcome);
  };

  return {
    dispatch({ index, invocation }: SampleJob): void {
      const controller = new AbortController();
      inFlight.set(index, controller);
      void callSampleRunner(runner, invocation, { timeoutSeconds, clock, controller }).then(
        (result) => deliver(toOutcome(index, invocation.id, result)),
      );
    },

    async awaitOutcomes(pending, untilMs, onOutcome, signal): Promise<void> {
      // Everything that settled since the last call goes out at once: fewer turns for the loop.
      for (const [index, outcome] of settled) {
        if (!pending.has(index)) continue;
        settled.delete(index);
        onOutcome(outcome);
      }
      if (signal.aborted) return;
      listener = onOutcome;
      try {
        await clock.sleep(Math.max(0, untilMs - clock.monotonicMs()), signal);
      } catch {
        // Aborted: the loop has what it needs for this turn.
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

/** Same wording as a serial run, so users read one message whatever the mode. */
function toOutcome(index: number, sampleId: string, result: RunnerCallResult): SampleOutcome {
  if (result.ok) return { index, ok: true, answer: result.answer };
  return { index, ok: false, message: sutFailureMessage(sampleId, result) };
}
