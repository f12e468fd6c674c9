import { describe, expect, it } from 'vitest';
import {
  createBatchOptions,
  runProducerLoop,
  type BatchOptionsInput,
  type BatchTerminalProgressReporter,
  type ProducerLoopEnd,
  type ProducerLoopInput,
  type SampleTransport,
} from '../../../src/batches/index.js';
import { createSampleInvocation } from '../../../src/sut/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { ScriptedTransport, type Script } from '../../helpers/scripted-transport.js';

const invocations = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    createSampleInvocation({ id: `s${i + 1}`, input: { n: i } }),
  );

interface Recorded {
  checkpoints: [number, number][];
  terminals: { status: string; completed: number; total: number }[];
}

function recorder(): BatchTerminalProgressReporter & Recorded {
  const recorded: Recorded = { checkpoints: [], terminals: [] };
  return {
    ...recorded,
    reportCheckpoint: (_id, completed, total) => void recorded.checkpoints.push([completed, total]),
    reportTerminal: (_id, completed, total, status) =>
      void recorded.terminals.push({ status, completed, total }),
  };
}

/** Real timers can fire a little before the requested time; this clock always does. */
class EarlyClock extends FakeClock {
  override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.nowMs += ms > 1 ? ms - 0.5 : ms;
  }
}

/** The windowed tests pin `dispatch: 'windowed'`; the rolling ones pass `dispatch: 'rolling'`. */
function setup(
  count: number,
  options: BatchOptionsInput,
  script: (index: number) => Script = () => ({ afterMs: 10 }),
) {
  const clock = new FakeClock();
  const transport = new ScriptedTransport(clock, script);
  const reporter = recorder();
  const outputsSeen: number[] = [];
  const errors: { index: number; message: string }[] = [];
  let end: ProducerLoopEnd | undefined;
  // The answers' output texts in dataset order, when every sample succeeded; otherwise the
  // loop's ending as an error: each sample error's message, then the reason it stopped.
  const run = async (
    transportOverride?: SampleTransport,
    input: Partial<ProducerLoopInput> = {},
  ) => {
    const outputs: (string | undefined)[] = new Array<string | undefined>(count);
    end = await runProducerLoop({
      batchId: 'batch-1',
      invocations: invocations(count),
      options: createBatchOptions({ mode: 'concurrent', dispatch: 'windowed', ...options }),
      transport: transportOverride ?? transport,
      clock,
      defaultWaitTimeoutSeconds: 60,
      reporter,
      onOutput: (index, answer) => {
        outputsSeen.push(index);
        outputs[index] = answer.output;
      },
      onError: (index, error) => void errors.push({ index, message: error.message }),
      ...input,
    });
    if (end.status === 'complete' && errors.length === 0) return outputs;
    throw new LoopEnded(
      [...errors.map((error) => error.message), end.reason ?? end.status].join(' | '),
      end,
    );
  };
  return { clock, transport, reporter, outputsSeen, errors, run, end: () => end };
}

/** A loop that did not end complete and clean, as `run()` reports it. */
class LoopEnded extends Error {
  constructor(
    message: string,
    readonly end: ProducerLoopEnd,
  ) {
    super(message);
  }
}

describe('producer loop: windows and assembly', () => {
  it('returns outputs in dataset order whatever the completion order', async () => {
    const { run, outputsSeen, transport } = setup(6, { concurrency: 3 }, (i) => ({
      afterMs: 100 - i * 10,
      output: `out-${i}`,
    }));
    expect(await run()).toEqual(['out-0', 'out-1', 'out-2', 'out-3', 'out-4', 'out-5']);
    expect(outputsSeen).toEqual([2, 1, 0, 5, 4, 3]);
    expect(transport.windows).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it('uses the chunk size as the window', async () => {
    const { run, transport } = setup(4, { concurrency: 4, chunkSize: 2 });
    await run();
    expect(transport.windows).toHaveLength(2);
  });

  it('does not start a window before the previous one is collected', async () => {
    const { run, transport } = setup(4, { concurrency: 2 }, () => ({ afterMs: 50 }));
    await run();
    expect(transport.dispatched.map((d) => d.atMs)).toEqual([0, 0, 50, 50]);
  });
});

describe('producer loop: checkpoints and terminal events', () => {
  it.each([
    [
      4,
      2,
      2,
      [
        [2, 4],
        [4, 4],
      ],
    ],
    [
      24,
      4,
      10,
      [
        [10, 24],
        [20, 24],
        [24, 24],
      ],
    ],
    [
      10,
      10,
      3,
      [
        [3, 10],
        [6, 10],
        [9, 10],
        [10, 10],
      ],
    ],
    [2, 2, 25, [[2, 2]]],
  ])('%i samples, window %i, every %i', async (count, chunk, every, expected) => {
    const { run, reporter } = setup(count, { concurrency: chunk, checkpointEvery: every });
    await run();
    expect(reporter.checkpoints).toEqual(expected);
    expect(reporter.terminals).toEqual([{ status: 'success', completed: count, total: count }]);
  });

  it('reports an empty batch', async () => {
    const { run, reporter } = setup(0, { concurrency: 2, checkpointEvery: 25 });
    expect(await run()).toEqual([]);
    expect(reporter.checkpoints).toEqual([[0, 0]]);
    expect(reporter.terminals).toEqual([{ status: 'empty', completed: 0, total: 0 }]);
  });

  it('emits checkpoints mid-window as samples finish', async () => {
    const { run, reporter } = setup(6, { concurrency: 6, checkpointEvery: 2 }, (i) => ({
      afterMs: (i + 1) * 10,
    }));
    const seen: number[] = [];
    const original = reporter.reportCheckpoint;
    reporter.reportCheckpoint = (id, completed, total) => {
      seen.push(completed);
      return original(id, completed, total);
    };
    await run();
    expect(seen).toEqual([2, 4, 6]);
  });

  it('forces one checkpoint and a failure terminal when samples fail', async () => {
    const two = setup(2, { concurrency: 2, checkpointEvery: 25 }, (i) => ({
      afterMs: 5,
      error: `sample ${i} failed`,
    }));
    await expect(two.run()).rejects.toThrow('sample 0 failed | sample 1 failed');
    expect(two.reporter.checkpoints.at(-1)).toEqual([0, 2]);
    expect(two.reporter.terminals).toEqual([{ status: 'failure', completed: 0, total: 2 }]);
    const aligned = setup(4, { concurrency: 4, checkpointEvery: 4 }, () => ({ error: 'boom' }));
    await expect(aligned.run()).rejects.toThrow('boom');
    expect(aligned.reporter.checkpoints).toEqual([[0, 4]]);
  });

  it('counts successes of the failed window', async () => {
    const { run, reporter } = setup(3, { concurrency: 3, checkpointEvery: 100 }, (i) =>
      i === 2 ? { afterMs: 20, error: 'fail' } : { afterMs: 10 },
    );
    await expect(run()).rejects.toThrow('fail');
    expect(reporter.terminals).toEqual([{ status: 'failure', completed: 2, total: 3 }]);
  });

  it('records every failure as its sample error, stops on the first and cancels what is left', async () => {
    const { run, transport, errors, clock } = setup(
      3,
      { concurrency: 3, waitTimeoutSeconds: 1 },
      (i) => (i === 0 ? 'never' : { afterMs: 10 - i, error: `runner exploded at ${i}` }),
    );
    await expect(run()).rejects.toThrow(
      "runner exploded at 2 | runner exploded at 1 | No outcome for sample 's1'",
    );
    expect(errors.map((error) => error.index)).toEqual([2, 1, 0]);
    // The first error stopped the run: it says which sample, and the window still waited for s1.
    expect(clock.nowMs).toBe(1000);
    expect(transport.cancelled).toBe("stopped at the first sample error (sample 's3')");
  });

  it('goes on past up to maxErrors sample errors, and stops at one more', async () => {
    const failing = new Set([1, 4, 6]);
    const script = (i: number) => (failing.has(i) ? { error: `s${i + 1} failed` } : { afterMs: 5 });
    const allowed = setup(8, { dispatch: 'rolling', concurrency: 1 }, script);
    await expect(allowed.run(undefined, { maxErrors: 3 })).rejects.toThrow(/\| complete$/);
    expect(allowed.end()).toEqual({ status: 'complete', reason: null });
    expect(allowed.transport.dispatched).toHaveLength(8);
    expect(allowed.reporter.terminals).toEqual([{ status: 'failure', completed: 5, total: 8 }]);

    const over = setup(8, { dispatch: 'rolling', concurrency: 1 }, script);
    await expect(over.run(undefined, { maxErrors: 2 })).rejects.toThrow(
      "stopped at sample error 3 (sample 's7'), more than the 2 allowed",
    );
    expect(over.transport.dispatched).toHaveLength(7);
    expect(over.end()?.status).toBe('stopped-on-error');
  });

  it('stops at once on a sample marked fatal, whatever maxErrors allows', async () => {
    const { run, transport } = setup(4, { dispatch: 'rolling', concurrency: 1 }, (i) =>
      i === 1 ? { error: 'left hanging', fatal: true } : { afterMs: 1 },
    );
    await expect(run(undefined, { maxErrors: 10 })).rejects.toThrow(
      "left hanging | stopped because the system under test left sample 's2' unsettled",
    );
    expect(transport.dispatched).toHaveLength(2);
  });

  it('on interrupt dispatches nothing more, withdraws queued work, waits the grace for samples in flight, then cancels', async () => {
    const controller = new AbortController();
    const { run, transport, clock, errors, outputsSeen } = setup(
      6,
      { dispatch: 'rolling', concurrency: 3 },
      (i) => (i === 2 ? 'never' : { afterMs: i === 0 ? 100 : 300 }),
    );
    const interrupted = run(undefined, {
      signal: controller.signal,
      graceMs: 500,
      // The interrupt arrives with the first answer, at 100 ms.
      onOutput: (index) => {
        outputsSeen.push(index);
        controller.abort('SIGINT');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted by SIGINT');
    // s2 finished within the grace period; s3 never did and was cancelled when it ran out.
    expect(transport.dispatched.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(outputsSeen).toEqual([0, 1]);
    expect(transport.withdrawn).toBe(true);
    expect(transport.cancelled).toBe('SIGINT');
    expect(errors).toEqual([]);
    expect(clock.nowMs).toBe(600);
  });

  it('is not changed by reporters that throw', async () => {
    const { run } = setup(2, { concurrency: 2, checkpointEvery: 1 });
    const throwing = {
      reportCheckpoint: () => {
        throw new Error('dashboard down');
      },
      reportTerminal: () => {
        throw new Error('dashboard down');
      },
    };
    const clock = new FakeClock();
    const outputs: string[] = [];
    const end = await runProducerLoop({
      batchId: 'b',
      invocations: invocations(2),
      options: createBatchOptions({ mode: 'concurrent', concurrency: 2, checkpointEvery: 1 }),
      transport: new ScriptedTransport(clock, () => ({ afterMs: 1 })),
      clock,
      defaultWaitTimeoutSeconds: 60,
      reporter: throwing,
      onOutput: (_, answer) => void outputs.push(answer.output),
    });
    expect(end).toEqual({ status: 'complete', reason: null });
    expect(outputs).toEqual(['output 0', 'output 1']);
    const errors: string[] = [];
    await expect(
      runProducerLoop({
        batchId: 'b',
        invocations: invocations(1),
        options: createBatchOptions({ mode: 'concurrent' }),
        transport: new ScriptedTransport(clock, () => ({ error: 'runner exploded' })),
        clock,
        defaultWaitTimeoutSeconds: 60,
        reporter: throwing,
        onError: (_, error) => void errors.push(error.message),
      }),
    ).resolves.toEqual({
      status: 'stopped-on-error',
      reason: "stopped at the first sample error (sample 's1')",
    });
    expect(errors).toEqual(['runner exploded']);
    await expect(run()).resolves.toHaveLength(2);
  });
});

describe('producer loop: deadlines', () => {
  it('names the missing samples when a window misses its deadline', async () => {
    const { run, clock } = setup(3, { concurrency: 3, waitTimeoutSeconds: 1 }, (i) =>
      i === 1 ? 'never' : { afterMs: 10 },
    );
    const error = await run().catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      "No outcome for sample 's2' within the batch wait timeout of 1 second.",
    );
    expect((error as Error).message).toContain('raise the wait timeout (waitTimeoutSeconds)');
    expect(clock.nowMs).toBe(1000);
  });

  it('uses the default wait when options leave it unset', async () => {
    const { run, clock } = setup(1, { concurrency: 1 }, () => 'never');
    await expect(run()).rejects.toThrow('within the batch wait timeout of 60 seconds');
    expect(clock.nowMs).toBe(60_000);
  });

  it('accepts an output that lands exactly at the deadline', async () => {
    const { run } = setup(1, { concurrency: 1, waitTimeoutSeconds: 1 }, () => ({
      afterMs: 1000,
      output: 'first output',
    }));
    expect(await run()).toEqual(['first output']);
  });

  it('lets a failure win over the missing-output message', async () => {
    const { run } = setup(2, { concurrency: 2, waitTimeoutSeconds: 2 }, (i) =>
      i === 0
        ? 'never'
        : { afterMs: 1100, error: "job for sample 's2' failed: worker failed late" },
    );
    await expect(run()).rejects.toThrow('worker failed late');
  });

  it('throttles dispatch to the rate window: index i goes at floor(i / 3) x 60 s', async () => {
    const { run, transport, clock } = setup(
      9,
      { concurrency: 9, rateLimit: 3, rateWindowSeconds: 60, waitTimeoutSeconds: 600 },
      () => ({ afterMs: 0 }),
    );
    await run();
    expect(transport.dispatched.map((d) => d.atMs / 1000)).toEqual([
      0, 0, 0, 60, 60, 60, 120, 120, 120,
    ]);
    // The waits requested before indexes 3 and 6 are 60 s each; every other dispatch waits 0.
    expect(clock.sleeps).toEqual([60_000, 60_000]);
  });

  it('checks the rate window again when a timer fires early, so no window ever holds more', async () => {
    const clock = new EarlyClock();
    const transport = new ScriptedTransport(clock, () => ({ afterMs: 0 }));
    await runProducerLoop({
      batchId: 'batch-1',
      invocations: invocations(9),
      options: createBatchOptions({
        mode: 'concurrent',
        dispatch: 'windowed',
        concurrency: 9,
        rateLimit: 3,
        rateWindowSeconds: 60,
        waitTimeoutSeconds: 600,
      }),
      transport,
      clock,
      defaultWaitTimeoutSeconds: 60,
    });
    const times = transport.dispatched.map((d) => d.atMs);
    for (let i = 3; i < times.length; i++)
      expect((times[i] as number) - (times[i - 3] as number)).toBeGreaterThanOrEqual(60_000);
    // Each 60 s wait came up 0.5 ms short and was topped up with a sub-millisecond sleep.
    expect(clock.sleeps).toHaveLength(4);
    expect(clock.sleeps.filter((ms) => ms === 60_000)).toHaveLength(2);
    expect(clock.sleeps.filter((ms) => ms > 0 && ms < 1)).toHaveLength(2);
  });

  it('stops at the deadline with the undispatched remainder counted exactly', async () => {
    const { run, transport, clock } = setup(
      5,
      { concurrency: 5, rateLimit: 1, rateWindowSeconds: 60, waitTimeoutSeconds: 1 },
      () => ({ afterMs: 0 }),
    );
    const error = (await run().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(
      'chunk dispatch consumed the full 1 second wait timeout with 4 of 5 sample(s) still undispatched before result collection started',
    );
    expect(error.message).not.toContain('--');
    expect(transport.dispatched).toHaveLength(1);
    // The sleep was capped at the deadline, never the 60 s rate wait.
    expect(clock.nowMs).toBe(1000);
  });

  it('surfaces a failure among dispatched samples before the undispatched error', async () => {
    const { run } = setup(
      3,
      { concurrency: 3, rateLimit: 1, rateWindowSeconds: 60, waitTimeoutSeconds: 1 },
      () => ({ afterMs: 0, error: 'first failed' }),
    );
    await expect(run()).rejects.toThrow('first failed');
  });

  it('does not fail a window whose collection crosses the deadline after a full dispatch', async () => {
    const { run } = setup(
      2,
      { concurrency: 2, rateLimit: 2, rateWindowSeconds: 1, waitTimeoutSeconds: 1 },
      (i) => ({ afterMs: 1000, output: i === 0 ? 'first' : 'second' }),
    );
    expect(await run()).toEqual(['first', 'second']);
  });

  it('never dispatches more than rateLimit per sliding window across windows', async () => {
    const { run, transport } = setup(
      20,
      { concurrency: 4, rateLimit: 2, rateWindowSeconds: 1, waitTimeoutSeconds: 10 },
      () => ({ afterMs: 30 }),
    );
    await run();
    const times = transport.dispatched.map((d) => d.atMs);
    for (let i = 2; i < times.length; i++)
      expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(1000);
  });
});

describe('producer loop: rolling dispatch', () => {
  const rolling = (options: BatchOptionsInput): BatchOptionsInput => ({
    dispatch: 'rolling',
    ...options,
  });

  it('refills a slot as soon as it frees, never exceeding the in-flight cap', async () => {
    // One slow sample must hold one slot, not a whole window.
    const { run, transport, clock } = setup(10, rolling({ concurrency: 3 }), (i) => ({
      afterMs: i === 0 ? 100 : 10,
      output: `out-${i}`,
    }));
    expect(await run()).toEqual(Array.from({ length: 10 }, (_, i) => `out-${i}`));
    expect(transport.dispatched.map((d) => d.atMs)).toEqual([0, 0, 0, 10, 10, 20, 20, 30, 30, 40]);
    expect(transport.maxInFlight).toBe(3);
    // Windowed dispatch would take 100 + 3 x 10 ms.
    expect(clock.nowMs).toBe(100);
  });

  it('uses the chunk size as the in-flight cap when it is below the concurrency', async () => {
    const { run, transport } = setup(12, rolling({ concurrency: 8, chunkSize: 2 }), (i) => ({
      afterMs: 5 + (i % 3) * 7,
    }));
    await run();
    expect(transport.maxInFlight).toBe(2);
  });

  it('reports checkpoints for completions in reverse order, outputs still in dataset order', async () => {
    const { run, reporter, outputsSeen } = setup(
      6,
      rolling({ concurrency: 6, checkpointEvery: 2 }),
      (i) => ({ afterMs: 60 - i * 10, output: `out-${i}` }),
    );
    expect(await run()).toEqual(['out-0', 'out-1', 'out-2', 'out-3', 'out-4', 'out-5']);
    expect(outputsSeen).toEqual([5, 4, 3, 2, 1, 0]);
    expect(reporter.checkpoints).toEqual([
      [2, 6],
      [4, 6],
      [6, 6],
    ]);
    expect(reporter.terminals).toEqual([{ status: 'success', completed: 6, total: 6 }]);
  });

  it('gives each sample the wait timeout from its own dispatch and names exactly the late ones', async () => {
    // s1 never answers (deadline 1000 ms); s3 takes s2's slot at 10 ms and never answers either,
    // but its deadline (1010 ms) has not passed when s1's has; s4 is never dispatched.
    const { run, clock, reporter } = setup(
      4,
      rolling({ concurrency: 2, waitTimeoutSeconds: 1, checkpointEvery: 10 }),
      (i) => (i === 0 || i === 2 ? 'never' : { afterMs: 10 }),
    );
    const error = (await run().catch((e: unknown) => e)) as Error;
    // s1 is late at 1000 ms and stops the run; s3, still in flight, is waited for until its own
    // deadline (1010 ms); s4 never goes out.
    expect(error.message).toBe(
      "No outcome for sample 's1' within the batch wait timeout of 1 second. Check that the system under test or its workers are running, or raise the wait timeout (waitTimeoutSeconds). | No outcome for sample 's3' within the batch wait timeout of 1 second. Check that the system under test or its workers are running, or raise the wait timeout (waitTimeoutSeconds). | stopped at the first sample error (sample 's1')",
    );
    expect(clock.nowMs).toBe(1010);
    expect(reporter.checkpoints).toEqual([[1, 4]]);
    expect(reporter.terminals).toEqual([{ status: 'failure', completed: 1, total: 4 }]);
  });

  it('names every sample whose deadline has passed at that moment, in index order', async () => {
    const { run } = setup(3, rolling({ concurrency: 3, waitTimeoutSeconds: 2 }), () => 'never');
    const error = (await run().catch((e: unknown) => e)) as Error;
    expect(error.message.match(/No outcome for sample 's\d'/g)).toEqual([
      "No outcome for sample 's1'",
      "No outcome for sample 's2'",
      "No outcome for sample 's3'",
    ]);
  });

  it('accepts an output that lands exactly at its deadline', async () => {
    const { run } = setup(3, rolling({ concurrency: 2, waitTimeoutSeconds: 1 }), (i) => ({
      afterMs: i === 0 ? 1000 : 10,
    }));
    await expect(run()).resolves.toEqual(['output 0', 'output 1', 'output 2']);
  });

  it('fails with the undispatched count when a free slot waits the whole timeout for the rate limit', async () => {
    const { run, transport, clock } = setup(
      5,
      rolling({ concurrency: 5, rateLimit: 2, rateWindowSeconds: 60, waitTimeoutSeconds: 10 }),
      () => ({ afterMs: 1 }),
    );
    const error = (await run().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(
      'waited the full 10 seconds wait timeout for a rate-limit slot, with 3 of 5 sample(s) still undispatched',
    );
    expect(error.message).not.toContain('--');
    expect(transport.dispatched).toHaveLength(2);
    // Never the 60 s rate wait: the free slot's budget ends the batch.
    expect(clock.nowMs).toBe(10_000);
  });

  it('holds the rate limit: index i goes at floor(i / 3) x 60 s', async () => {
    const { run, transport } = setup(
      9,
      rolling({ concurrency: 9, rateLimit: 3, rateWindowSeconds: 60, waitTimeoutSeconds: 600 }),
      () => ({ afterMs: 0 }),
    );
    await run();
    expect(transport.dispatched.map((d) => d.atMs / 1000)).toEqual([
      0, 0, 0, 60, 60, 60, 120, 120, 120,
    ]);
  });

  it('never puts more than the rate limit in any sliding window, with timers that fire early', async () => {
    const clock = new EarlyClock();
    const transport = new ScriptedTransport(clock, (i) => ({ afterMs: 30 + (i % 4) * 200 }));
    await runProducerLoop({
      batchId: 'batch-1',
      invocations: invocations(40),
      options: createBatchOptions({
        mode: 'concurrent',
        dispatch: 'rolling',
        concurrency: 4,
        rateLimit: 3,
        rateWindowSeconds: 1,
        waitTimeoutSeconds: 10,
      }),
      transport,
      clock,
      defaultWaitTimeoutSeconds: 60,
    });
    const times = transport.dispatched.map((d) => d.atMs);
    expect(times).toHaveLength(40);
    for (let i = 3; i < times.length; i++)
      expect((times[i] as number) - (times[i - 3] as number)).toBeGreaterThanOrEqual(1000);
    expect(transport.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('stops dispatching at the first failure, naming the lowest index among those that arrive together', async () => {
    const setupResult = setup(6, rolling({ concurrency: 3 }), (i) =>
      i === 0 ? 'never' : { afterMs: 10, error: `sample ${i} failed` },
    );
    const { run, transport, reporter } = setupResult;
    const { errors } = setupResult;
    const error = await run().catch((e: unknown) => e);
    expect((error as Error).message).toContain("stopped at the first sample error (sample 's2')");
    // Both failures of that turn are recorded; nothing more went out after them, and the
    // sample still in flight was waited for until its deadline, then cancelled.
    expect(errors.map((e) => e.index)).toEqual([1, 2, 0]);
    expect(transport.dispatched).toHaveLength(3);
    expect(transport.cancelled).toBe("stopped at the first sample error (sample 's2')");
    expect(reporter.terminals).toEqual([{ status: 'failure', completed: 0, total: 6 }]);
  });

  it('tells a live display how many are in flight and when it waits for a rate-limit slot', async () => {
    const clock = new FakeClock();
    const activity: { inFlight: number; dispatched: number; rateLimitWaitMs: number | null }[] = [];
    await runProducerLoop({
      batchId: 'batch-1',
      invocations: invocations(4),
      options: createBatchOptions({
        mode: 'concurrent',
        concurrency: 2,
        rateLimit: 3,
        rateWindowSeconds: 60,
        waitTimeoutSeconds: 120,
      }),
      transport: new ScriptedTransport(clock, () => ({ afterMs: 10 })),
      clock,
      defaultWaitTimeoutSeconds: 60,
      onActivity: ({ inFlight, dispatched, rateLimitWaitMs }) =>
        void activity.push({ inFlight, dispatched, rateLimitWaitMs }),
    });
    expect(activity[0]).toEqual({ inFlight: 2, dispatched: 2, rateLimitWaitMs: null });
    // The fourth sample waits for the first dispatch to leave the 60 s window.
    expect(activity).toContainEqual({ inFlight: 0, dispatched: 3, rateLimitWaitMs: 59_980 });
  });
});

describe('producer loop: halted by a budget', () => {
  it.each(['rolling', 'windowed'] as const)(
    '%s: dispatches nothing once halted, lets the samples in flight finish, and returns what ran',
    async (dispatch) => {
      const clock = new FakeClock();
      const transport = new ScriptedTransport(clock, (i) => ({ afterMs: 10 + i }));
      const reporter = recorder();
      let outputs = 0;
      const ran: number[] = [];
      const end = await runProducerLoop({
        batchId: 'b',
        invocations: invocations(10),
        options: createBatchOptions({ mode: 'concurrent', concurrency: 2, dispatch }),
        transport,
        clock,
        defaultWaitTimeoutSeconds: 60,
        reporter,
        onOutput: (index) => {
          outputs++;
          ran.push(index);
        },
        // Halted once three answers are in: the samples already in flight still finish.
        halted: () => outputs >= 3,
      });
      expect(end.status).toBe('budget-halted');
      expect(ran.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
      expect(transport.dispatched.map((d) => d.index)).toEqual([0, 1, 2, 3]);
      expect(reporter.terminals).toEqual([{ status: 'failure', completed: 4, total: 10 }]);
    },
  );
});
