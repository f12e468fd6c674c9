// The lazy-parallel transport on its own, against a real Redis: samples become BullMQ jobs whose
// payloads a worker accepts, outcomes a worker records reach the producer, and a cancelled batch
// leaves no waiting job behind. No worker runs here: the test plays its part through the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SampleJobPayloadSchema,
  createBatchId,
  createQueueTransport,
  openLazyParallelSession,
  type LazyParallelSession,
  type SampleOutcome,
} from '../../../src/batches/index.js';
import { systemClock } from '../../../src/clock.js';
import { createSampleInvocation } from '../../../src/sut/index.js';
import { RedisServer } from '../../helpers/redis-server.js';

let server: RedisServer;
let session: LazyParallelSession;

beforeAll(async () => {
  server = await RedisServer.start();
  session = await openLazyParallelSession({
    redis: server.url,
    prefix: 'queue-transport',
    queueName: 'transport-test',
  });
});

afterAll(async () => {
  await session.close();
  await server.stop();
});

const invocations = [0, 1, 2].map((n) => createSampleInvocation({ id: `s${n}`, input: { n } }));

function transportFor(batchId: string, addOneByOne = false) {
  return createQueueTransport({
    queue: session.queue,
    queueName: session.queueName,
    store: session.store,
    clock: systemClock,
    batchId,
    invocations,
    runnerName: 'sut',
    ttlSeconds: 60,
    timeoutSeconds: 5,
    addOneByOne,
    producer: { version: 'test', sutFingerprint: null },
  });
}

/** A begun transport with every sample dispatched (one by one, or held for the next flush). */
async function startedWithEverySample(batchId: string, addOneByOne: boolean) {
  const transport = transportFor(batchId, addOneByOne);
  await transport.begin?.({ takeRateSlot: () => Promise.resolve() });
  for (const [index, invocation] of invocations.entries())
    await transport.dispatch({ index, invocation });
  return transport;
}

describe('queue transport', () => {
  it('queues one job per sample, with a payload a worker accepts, once flushed', async () => {
    const batchId = createBatchId();
    const transport = await startedWithEverySample(batchId, false);
    const before = await session.queue.getJobs(['waiting']);
    expect(before.filter((job) => job.data.batchId === batchId)).toHaveLength(0);
    await transport.flush?.();
    const jobs = (await session.queue.getJobs(['waiting'])).filter(
      (job) => job.data.batchId === batchId,
    );
    expect(jobs.map((job) => job.data.sampleId).sort()).toEqual(['s0', 's1', 's2']);
    for (const job of jobs) {
      const payload = SampleJobPayloadSchema.parse(job.data);
      expect(payload).toMatchObject({ runner: 'sut', resultTtlSeconds: 60, timeoutSeconds: 5 });
      expect(payload.invocation.input).toEqual({ n: payload.index });
    }
    await transport.cancel?.(new Error('done'));
  });

  it('reports the outcomes a worker records, and returns at the deadline without the rest', async () => {
    const batchId = createBatchId();
    const transport = await startedWithEverySample(batchId, true);
    await session.store.recordSuccess(batchId, 0, 's0', { output: 'answer 0' }, 60);
    await session.store.recordFailure(batchId, 1, 's1', 'model offline', 60);
    const pending = new Set([0, 1, 2]);
    const seen: SampleOutcome[] = [];
    await transport.awaitOutcomes(
      pending,
      systemClock.monotonicMs() + 700,
      (outcome) => {
        seen.push(outcome);
        pending.delete(outcome.index);
      },
      new AbortController().signal,
    );
    expect(seen.sort((a, b) => a.index - b.index)).toEqual([
      { index: 0, ok: true, answer: { output: 'answer 0' } },
      {
        index: 1,
        ok: false,
        message: "Lazy parallel batch job for sample 's1' failed: model offline.",
      },
    ]);
    expect([...pending]).toEqual([2]);
    await transport.complete?.();
    expect(await session.store.status(batchId)).toBe('finished');
  });

  it('aborts the stored batch on cancel and removes the jobs still waiting', async () => {
    const batchId = createBatchId();
    const transport = await startedWithEverySample(batchId, true);
    await transport.cancel?.(new Error('the run failed'));
    expect(await session.store.status(batchId)).toBe('aborted');
    const left = (await session.queue.getJobs(['waiting'])).filter(
      (job) => job.data.batchId === batchId,
    );
    expect(left).toHaveLength(0);
  });
});
