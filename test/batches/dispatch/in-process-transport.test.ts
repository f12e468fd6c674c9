// The in-process transport (serial and concurrent mode) on its own: real SUT calls in this process, outcomes reported
// for the indexes the loop is waiting on, cancellation through each call's AbortSignal.
import { describe, expect, it } from 'vitest';
import { createInProcessTransport, type SampleOutcome } from '../../../src/batches/index.js';
import { systemClock } from '../../../src/clock.js';
import { SutCallError, createSampleInvocation, type SampleRunner } from '../../../src/sut/index.js';

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
      policy: { timeoutSeconds: null },
      clock: systemClock,
    });
    for (const n of [0, 1, 2]) await transport.dispatch({ index: n, invocation: invocation(n) });
    await sleep(20); // every call has settled before anyone waits
    const seen = await collect(transport, new Set([0, 1, 2]), systemClock.monotonicMs() + 1000);
    expect(seen.sort((a, b) => a.index - b.index)).toEqual([
      {
        index: 0,
        ok: true,
        answer: { output: 'answer 0', latencyMs: expect.any(Number) },
        attempts: 1,
      },
      {
        index: 1,
        ok: true,
        answer: { output: 'answer 1', latencyMs: expect.any(Number) },
        attempts: 1,
      },
      {
        index: 2,
        ok: false,
        message: "System-under-test failed for sample 's2': model offline",
        attempts: 1,
        cause: new Error('model offline'),
      },
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
      policy: { timeoutSeconds: null },
      clock: systemClock,
    });
    await transport.dispatch({ index: 0, invocation: invocation(0) });
    await transport.dispatch({ index: 1, invocation: invocation(1) });
    const seen = await collect(transport, new Set([0, 1]), systemClock.monotonicMs() + 30);
    expect(seen).toEqual([]);
    await transport.cancel?.(new Error('batch failed'));
    await sleep(5);
    expect(aborted).toBe(2);
  });

  it('fails a call at its per-sample timeout with the timeout sentence', async () => {
    const runner: SampleRunner = () => new Promise(() => undefined);
    const transport = createInProcessTransport({
      runner,
      policy: { timeoutSeconds: 1 },
      clock: systemClock,
    });
    await transport.dispatch({ index: 0, invocation: invocation(0) });
    const seen = await collect(transport, new Set([0]), systemClock.monotonicMs() + 3000);
    expect(seen).toEqual([
      {
        index: 0,
        ok: false,
        message:
          "System-under-test for sample 's0' timed out after 1 second; the call was aborted (raise --sut-timeout or sut.timeoutSeconds if it needs longer).",
        attempts: 1,
      },
    ]);
  });

  it('retries a failed call with backoff, taking a rate slot before each retry, and counts the attempts', async () => {
    let calls = 0;
    const runner: SampleRunner = () => {
      calls++;
      if (calls < 3) throw new Error(`busy ${calls}`);
      return 'third time lucky';
    };
    const transport = createInProcessTransport({
      runner,
      policy: { timeoutSeconds: 5, retries: 2 },
      clock: systemClock,
    });
    let slots = 0;
    await transport.begin?.({
      takeRateSlot: () => {
        slots++;
        return Promise.resolve();
      },
    });
    await transport.dispatch({ index: 0, invocation: invocation(0) });
    const seen = await collect(transport, new Set([0]), systemClock.monotonicMs() + 5000);
    expect(seen).toEqual([
      {
        index: 0,
        ok: true,
        answer: { output: 'third time lucky', latencyMs: expect.any(Number) },
        attempts: 3,
      },
    ]);
    expect(slots).toBe(2);
  });

  it('gives up after its retries with the last error, never retrying an error marked final', async () => {
    let calls = 0;
    const transport = createInProcessTransport({
      runner: () => {
        calls++;
        throw new SutCallError('HTTP SUT answered HTTP 400', { retryable: false });
      },
      policy: { timeoutSeconds: 5, retries: 3 },
      clock: systemClock,
    });
    await transport.dispatch({ index: 0, invocation: invocation(0) });
    const seen = await collect(transport, new Set([0]), systemClock.monotonicMs() + 5000);
    expect(seen).toEqual([
      {
        index: 0,
        ok: false,
        message: "System-under-test failed for sample 's0': HTTP SUT answered HTTP 400",
        attempts: 1,
        cause: expect.any(SutCallError),
      },
    ]);
    expect(calls).toBe(1);
  });
});
