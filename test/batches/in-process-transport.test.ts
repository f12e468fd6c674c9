// The concurrent mode's transport on its own: real SUT calls in this process, outcomes reported
// for the indexes the loop is waiting on, cancellation through each call's AbortSignal.
import { describe, expect, it } from 'vitest';
import { createInProcessTransport, type SampleOutcome } from '../../src/batches/index.js';
import { systemClock } from '../../src/clock.js';
import { createSampleInvocation, type SampleRunner } from '../../src/sut/index.js';

const invocation = (n: number) => createSampleInvocation({ id: `s${n}`, input: { n } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function collect(
  transport: ReturnType<typeof createInProcessTransport>,
  pending: Set<number>,
  untilMs: number,
): Promise<SampleOutcome[]> {
  const seen: SampleOutcome[] = [];
  const done = new AbortController();
  await transport.awaitOutcomes(
    pending,
    untilMs,
    (outcome) => {
      seen.push(outcome);
      pending.delete(outcome.index);
      if (pending.size === 0) done.abort();
    },
    done.signal,
  );
  return seen;
}

describe('in-process transport', () => {
  it('reports outcomes as calls finish, including those that settled between two waits', async () => {
    const runner: SampleRunner = async ({ input }) => {
      await sleep(Number(input['n']) * 5);
      if (input['n'] === 2) throw new Error('model offline');
      return `answer ${input['n']}`;
    };
    const transport = createInProcessTransport({
      runner,
      timeoutSeconds: null,
      clock: systemClock,
    });
    for (const n of [0, 1, 2]) transport.dispatch({ index: n, invocation: invocation(n) });
    await sleep(20); // every call has settled before anyone waits
    const seen = await collect(transport, new Set([0, 1, 2]), systemClock.monotonicMs() + 1000);
    expect(seen.sort((a, b) => a.index - b.index)).toEqual([
      { index: 0, ok: true, answer: { output: 'answer 0' } },
      { index: 1, ok: true, answer: { output: 'answer 1' } },
      { index: 2, ok: false, message: "System-under-test failed for sample 's2': model offline" },
    ]);
  });

  it('returns at the deadline with what it has, and cancels calls in flight', async () => {
    let aborted = 0;
    const runner: SampleRunner = (_invocation, { signal }) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => {
          aborted++;
          resolve('too late');
        });
      });
    const transport = createInProcessTransport({
      runner,
      timeoutSeconds: null,
      clock: systemClock,
    });
    transport.dispatch({ index: 0, invocation: invocation(0) });
    transport.dispatch({ index: 1, invocation: invocation(1) });
    const seen = await collect(transport, new Set([0, 1]), systemClock.monotonicMs() + 30);
    expect(seen).toEqual([]);
    transport.cancel?.(new Error('batch failed'));
    await sleep(5);
    expect(aborted).toBe(2);
  });

  it('fails a call at its per-sample timeout with the timeout sentence', async () => {
    const runner: SampleRunner = () => new Promise(() => undefined);
    const transport = createInProcessTransport({ runner, timeoutSeconds: 1, clock: systemClock });
    transport.dispatch({ index: 0, invocation: invocation(0) });
    const seen = await collect(transport, new Set([0]), systemClock.monotonicMs() + 3000);
    expect(seen).toEqual([
      {
        index: 0,
        ok: false,
        message:
          "System-under-test for sample 's0' did not answer within 1 second (per-sample timeout); the call was aborted.",
      },
    ]);
  });
});
