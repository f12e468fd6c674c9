import type { Clock } from '../../clock.js';
import type { SampleRunner } from '../../sut/index.js';
import {
  callSampleRunner,
  sutFailureMessage,
  type RunnerCallResult,
  type SutCallPolicy,
} from './call-runner.js';
import type {
  SampleJob,
  SampleOutcome,
  SampleTransport,
  TransportHooks,
} from './sample-transport.js';

export interface InProcessTransportOptions {
  readonly runner: SampleRunner;
  /** Each call's timeout (per attempt) and retries. */
  readonly policy: SutCallPolicy;
  readonly clock: Clock;
}

/**
 * The in-process transport of serial and concurrent mode: each dispatched sample is a SUT call
 * in this process. In-flight calls are bounded by the producer loop (one in serial mode, at most
 * the chunk size in concurrent mode). A retry takes a slot of the loop's rate window first.
 */
export function createInProcessTransport(options: InProcessTransportOptions): SampleTransport {
  const { runner, policy, clock } = options;
  // Outcomes that arrived while nobody was listening (between two awaitOutcomes calls).
  const settled = new Map<number, SampleOutcome>();
  const inFlight = new Map<number, AbortController>();
  let listener: ((outcome: SampleOutcome) => void) | undefined;
  // One options object for every call; a retry's rate slot comes from the loop at begin().
  let callOptions: Parameters<typeof callSampleRunner>[2] = { ...policy, clock };

  const deliver = (outcome: SampleOutcome): void => {
    if (!inFlight.delete(outcome.index)) return; // cancelled: nobody waits for it
    if (listener !== undefined) listener(outcome);
    else settled.set(outcome.index, outcome);
  };

  return {
    begin(hooks: TransportHooks) {
      callOptions = { ...policy, clock, beforeRetry: hooks.takeRateSlot };
      return Promise.resolve();
    },

    dispatch({ index, invocation }: SampleJob): void {
      const controller = new AbortController();
      inFlight.set(index, controller);
      void callSampleRunner(runner, invocation, callOptions, controller).then((result) =>
        deliver(toOutcome(index, invocation.id, result)),
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
        // No deadline (serial mode): wait for the loop to end the turn, with no timer, so that
        // a SUT promise nothing will settle leaves the process with nothing to wait for.
        if (Number.isFinite(untilMs))
          await clock.sleep(Math.max(0, untilMs - clock.monotonicMs()), signal);
        else
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => resolve(), { once: true }),
          );
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

/** Same wording in every mode, so users read one message. */
function toOutcome(index: number, sampleId: string, result: RunnerCallResult): SampleOutcome {
  if (result.ok) return { index, ok: true, answer: result.answer, attempts: result.attempts };
  return {
    index,
    ok: false,
    message: sutFailureMessage(sampleId, result),
    attempts: result.attempts,
    ...(result.kind === 'abandoned' ? { fatal: true } : {}),
    ...(result.cause === undefined ? {} : { cause: result.cause }),
  };
}
