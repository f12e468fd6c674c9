// Real Redis and real BullMQ workers: run(), dispatch() / collectOutputs() and the fault paths
// of the lazy-parallel transport cannot be checked without them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  collectLazyParallelOutputs,
  createBatchOptions,
  createLazyParallelTransport,
  dispatchLazyParallel,
  openLazyParallelSession,
  startWorkerPool,
  type BatchOptions,
  type LazyParallelBatchInput,
  type LazyParallelSession,
  type ResultStore,
  type WorkerPool,
} from '../../../src/batches/index.js';
import { createSample } from '../../../src/datasets/index.js';
import { EvalEngine, type RunOptions } from '../../../src/engine/index.js';
import { createSampleInvocation, type SampleRunner } from '../../../src/sut/index.js';
import { RedisServer } from '../../helpers/redis-server.js';

let server: RedisServer;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await server.stop();
});

async function session(queueName: string): Promise<LazyParallelSession> {
  const opened = await openLazyParallelSession({
    redis: server.url,
    prefix: 'test-lazy',
    queueName,
  });
  cleanups.push(() => opened.close());
  return opened;
}

async function workers(
  opened: LazyParallelSession,
  runner: SampleRunner,
  concurrency = 4,
): Promise<WorkerPool> {
  const pool = await startWorkerPool({
    session: opened,
    concurrency,
    resolveRunner: async (name) => (name === 'sut' ? runner : undefined),
  });
  cleanups.push(() => pool.close(true));
  return pool;
}

function engineWith(count: number): EvalEngine {
  const engine = new EvalEngine();
  engine
    .dataset('ds')
    .withSamples(
      Array.from({ length: count }, (_, i) =>
        createSample({ id: `s${i}`, input: { n: i }, expectedOutput: `answer ${i}` }),
      ),
    )
    .withMetrics(['exact-match'])
    .register();
  return engine;
}

/** Run dataset 'ds' of `engine` through the queue of `opened`, workers building runner 'sut'. */
function runOnQueue(
  opened: LazyParallelSession,
  engine: EvalEngine,
  options: BatchOptions,
  runOptions: Omit<RunOptions, 'batch'> = {},
  batchInput: Pick<LazyParallelBatchInput, 'sut' | 'onWarning'> = {},
) {
  return engine.runOnTransport(
    'ds',
    (invocations, batchId) =>
      createLazyParallelTransport(opened, {
        batchId,
        invocations,
        runnerName: 'sut',
        options,
        ...batchInput,
      }),
    { batch: options, ...runOptions },
  );
}

const answer: SampleRunner = async ({ input }) => {
  await new Promise((resolve) => setTimeout(resolve, 5 + (Number(input['n']) % 3) * 5));
  return `answer ${input['n']}`;
};

describe('lazy-parallel run() on real Redis', () => {
  it.each(['rolling', 'windowed'] as const)(
    '%s: scores every sample in dataset order through BullMQ workers',
    async (dispatch) => {
      const opened = await session(`q-run-${dispatch}`);
      await workers(opened, answer);
      const options = createBatchOptions({
        mode: 'lazy-parallel',
        concurrency: 4,
        checkpointEvery: 5,
        dispatch,
      });
      const checkpoints: number[] = [];
      const report = await runOnQueue(opened, engineWith(12), options, {
        progress: { reportCheckpoint: (_b, n) => void checkpoints.push(n) },
      });
      expect([...report.sampleResults].map((r) => r.actualOutput)).toEqual(
        Array.from({ length: 12 }, (_, i) => `answer ${i}`),
      );
      expect(report.failures).toEqual([]);
      expect(checkpoints).toEqual([5, 10, 12]);
      // Completed jobs leave the queue.
      expect(await opened.queue.getJobCountByTypes('completed')).toBe(0);
    },
  );

  it('records a worker failure as the sample error, with the job-failed message', async () => {
    const opened = await session('q-fail');
    await workers(opened, async ({ id }) => {
      if (id === 's1') throw new Error('runner exploded');
      return 'x';
    });
    const options = createBatchOptions({ mode: 'lazy-parallel', concurrency: 2 });
    const report = await runOnQueue(opened, engineWith(2), options);
    expect(report.status).toBe('stopped-on-error');
    expect([...report.sampleResults].map((r) => r.sample.id)).toEqual(['s0']);
    expect(report.sampleErrors).toEqual([
      {
        sampleId: 's1',
        error: "Lazy parallel batch job for sample 's1' failed: runner exploded.",
        attempts: 1,
      },
    ]);
  });

  it('retries a failed call in the worker as the job asks, and records the attempts', async () => {
    const opened = await session('q-retry');
    const calls = new Map<string, number>();
    await workers(opened, async ({ id }) => {
      calls.set(id, (calls.get(id) ?? 0) + 1);
      if (id === 's1' && (calls.get(id) ?? 0) < 3) throw new Error('busy');
      return 'x';
    });
    const options = createBatchOptions({ mode: 'lazy-parallel', concurrency: 2 });
    const report = await runOnQueue(
      opened,
      engineWith(2),
      options,
      {},
      { sut: { timeoutSeconds: 5, retries: 2 } },
    );
    expect(report.status).toBe('complete');
    expect([...report.sampleResults].map((r) => r.attempts)).toEqual([undefined, 3]);
    expect(calls.get('s1')).toBe(3);
  });

  it('names the missing samples at the deadline and warns when no worker is connected', async () => {
    const opened = await session('q-empty');
    const options = createBatchOptions({
      mode: 'lazy-parallel',
      concurrency: 2,
      waitTimeoutSeconds: 3,
    });
    const warnings: string[] = [];
    const report = await runOnQueue(
      opened,
      engineWith(2),
      options,
      {},
      { onWarning: (m) => warnings.push(m) },
    );
    expect(report.sampleErrors.map((e) => e.error)).toEqual([
      "No outcome for sample 's0' within the batch wait timeout of 3 seconds. Check that the system under test or its workers are running, or raise the wait timeout (waitTimeoutSeconds).",
      "No outcome for sample 's1' within the batch wait timeout of 3 seconds. Check that the system under test or its workers are running, or raise the wait timeout (waitTimeoutSeconds).",
    ]);
    // The late jobs were taken back: a worker started later runs none of them.
    expect(await opened.queue.getWaitingCount()).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("no worker is connected to queue 'q-empty'");
    expect(warnings[0]).toContain('--local-workers');
  });

  it('takes outcomes from their notices: the store is read only as a fallback, not per sample', async () => {
    const opened = await session('q-notices');
    await workers(opened, async ({ input }) => `answer ${input['n']}`, 8);
    const options = createBatchOptions({ mode: 'lazy-parallel', concurrency: 8 });
    let reads = 0;
    const countingStore: ResultStore = {
      ...opened.store,
      readWindow: (batchId, indexes) => {
        reads++;
        return opened.store.readWindow(batchId, indexes);
      },
    };
    const report = await engineWith(40).runOnTransport(
      'ds',
      (invocations, batchId) =>
        createLazyParallelTransport(
          { ...opened, store: countingStore },
          { batchId, invocations, runnerName: 'sut', options },
        ),
      { batch: options },
    );
    expect([...report.sampleResults].map((r) => r.actualOutput)).toEqual(
      Array.from({ length: 40 }, (_, i) => `answer ${i}`),
    );
    // Every outcome came with its notice; the only reads are the half-second fallback, which a
    // slow machine may reach once or twice (one read per sample would be 40).
    expect(reads).toBeLessThan(5);
  });

  it('keeps two batches on one queue apart', async () => {
    const opened = await session('q-shared');
    await workers(opened, async ({ input }) => `answer ${input['n']}`, 8);
    const options = createBatchOptions({ mode: 'lazy-parallel', concurrency: 4 });
    const run = (engine: EvalEngine) => runOnQueue(opened, engine, options);
    const other = new EvalEngine();
    other
      .dataset('ds')
      .withSamples(
        Array.from({ length: 8 }, (_, i) =>
          createSample({ id: `s${i}`, input: { n: i + 100 }, expectedOutput: `answer ${i + 100}` }),
        ),
      )
      .withMetrics(['exact-match'])
      .register();
    const [first, second] = await Promise.all([run(engineWith(8)), run(other)]);
    expect([...first.sampleResults].map((r) => r.actualOutput)).toEqual(
      Array.from({ length: 8 }, (_, i) => `answer ${i}`),
    );
    expect([...second.sampleResults].map((r) => r.actualOutput)).toEqual(
      Array.from({ length: 8 }, (_, i) => `answer ${i + 100}`),
    );
  });
});

describe('lazy-parallel dispatch strategies on real Redis', () => {
  it('rolling: never more than the in-flight cap on the queue, however many worker slots', async () => {
    const opened = await session('q-rolling-cap');
    let running = 0;
    let maxRunning = 0;
    await workers(
      opened,
      async ({ input }) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 5 + (Number(input['n']) % 4) * 10));
        running--;
        return `answer ${input['n']}`;
      },
      16,
    );
    const options = createBatchOptions({ mode: 'lazy-parallel', concurrency: 4 });
    const report = await runOnQueue(opened, engineWith(30), options);
    expect([...report.sampleResults].map((r) => r.actualOutput)).toEqual(
      Array.from({ length: 30 }, (_, i) => `answer ${i}`),
    );
    expect(maxRunning).toBe(4);
  });

  it('runs no job of a batch after it was aborted by a failure', async () => {
    const opened = await session('q-abort');
    const started: { id: string; at: number }[] = [];
    await workers(
      opened,
      async ({ id, input }) => {
        started.push({ id, at: performance.now() });
        if (id === 's2') throw new Error('model offline');
        await new Promise((resolve) => setTimeout(resolve, 20 + Number(input['n'])));
        return 'x';
      },
      2,
    );
    const options = createBatchOptions({ mode: 'lazy-parallel', concurrency: 6 });
    let failedAt = 0;
    const report = await runOnQueue(opened, engineWith(40), options).finally(() => {
      failedAt = performance.now();
    });
    expect(report.sampleErrors.map((e) => e.error)).toEqual([
      "Lazy parallel batch job for sample 's2' failed: model offline.",
    ]);
    // Give the workers time to take whatever is left on the queue.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(started.filter((call) => call.at > failedAt)).toEqual([]);
    expect(started.length).toBeLessThan(10);
    expect(await opened.queue.getWaitingCount()).toBe(0);
  });

  it('skips queued jobs of an aborted batch that a worker takes later', async () => {
    const opened = await session('q-skip');
    const invocations = Array.from({ length: 5 }, (_, i) =>
      createSampleInvocation({ id: `s${i}`, input: { n: i } }),
    );
    const options = createBatchOptions({ mode: 'lazy-parallel', concurrency: 5 });
    const batchId = await dispatchLazyParallel(opened, { invocations, runnerName: 'sut', options });
    await opened.store.abort(batchId);
    let calls = 0;
    await workers(opened, async () => {
      calls++;
      return 'x';
    });
    for (let attempt = 0; attempt < 50; attempt++) {
      const left = await opened.queue.getJobCounts('waiting', 'active');
      if ((left['waiting'] ?? 0) + (left['active'] ?? 0) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await opened.queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
    expect(calls).toBe(0);
  });
});

describe('dispatch() and collectOutputs() on real Redis', () => {
  const invocations = [
    createSampleInvocation({ id: 's1', input: { n: 1 } }),
    createSampleInvocation({ id: 's2', input: { n: 2 } }),
  ];

  it('dispatches without waiting and collects in dataset order, again and again', async () => {
    const opened = await session('q-dispatch');
    const options = createBatchOptions({
      mode: 'lazy-parallel',
      concurrency: 12,
      rateLimit: 2,
      rateWindowSeconds: 60,
    });
    const batchId = await dispatchLazyParallel(opened, { invocations, runnerName: 'sut', options });
    expect(batchId).toMatch(/^[0-9a-f]{32}$/);
    expect(await opened.queue.getWaitingCount()).toBe(2);
    await expect(collectLazyParallelOutputs(opened, batchId, invocations)).rejects.toThrow(
      `Lazy parallel batch '${batchId}' did not produce outputs for sample ids: s1, s2`,
    );
    await workers(opened, async ({ input }) => `out ${input['n']}`);
    let outputs: string[] | undefined;
    for (let attempt = 0; attempt < 50 && outputs === undefined; attempt++) {
      outputs = await collectLazyParallelOutputs(opened, batchId, invocations).catch(
        () => undefined,
      );
      if (outputs === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(outputs).toEqual(['out 1', 'out 2']);
    expect(await collectLazyParallelOutputs(opened, batchId, invocations)).toEqual([
      'out 1',
      'out 2',
    ]);
  });

  it('validates the collection without closing the batch', async () => {
    const opened = await session('q-collect');
    const options = createBatchOptions({ mode: 'lazy-parallel', concurrency: 2 });
    const batchId = await dispatchLazyParallel(opened, { invocations, runnerName: 'sut', options });
    await opened.store.recordSuccess(batchId, 0, 's1', { output: 'first output' }, 60);
    await expect(
      collectLazyParallelOutputs(opened, batchId, invocations.slice(0, 1)),
    ).rejects.toThrow('was initialized for 2 samples; got 1 samples for collection');
    await opened.store.recordSuccess(batchId, 1, 's2', { output: 'second output' }, 60);
    await expect(
      collectLazyParallelOutputs(opened, batchId, [...invocations].reverse()),
    ).rejects.toThrow("belongs to sample 's1'; expected 's2'");
    expect(await collectLazyParallelOutputs(opened, batchId, invocations)).toEqual([
      'first output',
      'second output',
    ]);
    await expect(collectLazyParallelOutputs(opened, 'f'.repeat(32), invocations)).rejects.toThrow(
      'result metadata is missing',
    );
  });
});
