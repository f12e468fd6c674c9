// Real Redis: the processor records outcomes in the real store, the job payload is validated
// before anything runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import {
  InvalidSampleJobError,
  createRedisClient,
  type RedisClient,
  createRedisResultStore,
  createSampleProcessor,
  type ResultStore,
  type SampleJobPayload,
} from '../../../src/batches/index.js';
import type { SampleRunner } from '../../../src/sut/index.js';
import { EVAL_HARNESS_VERSION } from '../../../src/version.js';
import { RedisServer } from '../../helpers/redis-server.js';

let server: RedisServer;
let client: RedisClient;
let store: ResultStore;

beforeAll(async () => {
  server = await RedisServer.start();
  client = createRedisClient(server.url);
  store = createRedisResultStore(client, 'test-jobs');
});

afterAll(async () => {
  client.disconnect();
  await server.stop();
});

const BATCH = 'a'.repeat(32);
const payload = (fields: Partial<SampleJobPayload> = {}): SampleJobPayload => ({
  batchId: BATCH,
  index: 0,
  sampleId: 's1',
  invocation: { id: 's1', input: { q: 'hi' } },
  runner: 'sut',
  resultTtlSeconds: 60,
  timeoutSeconds: null,
  producer: { version: EVAL_HARNESS_VERSION, sutFingerprint: 'sut-a' },
  ...fields,
});
const job = (data: unknown, attemptsMade = 0, attempts = 1) => ({
  id: 'j1',
  data,
  attemptsMade,
  opts: { attempts },
});

/** A processor whose runner only counts its calls. */
function countingProcessor(onSkippedBatch?: (line: string) => void) {
  let calls = 0;
  const processor = createSampleProcessor({
    store,
    clock: systemClock,
    resolveRunner: async () => () => {
      calls++;
      return 'x';
    },
    ...(onSkippedBatch === undefined ? {} : { onSkippedBatch }),
  });
  return { processor, calls: () => calls };
}

describe('sample job processor', () => {
  it('runs the runner named in the payload and records its output', async () => {
    await store.start(BATCH, 1, 60);
    const seen: unknown[] = [];
    const runner: SampleRunner = (invocation) => {
      seen.push(invocation);
      return 'hello';
    };
    await createSampleProcessor({
      store,
      clock: systemClock,
      resolveRunner: async (name) => (name === 'sut' ? runner : undefined),
    })(job(payload()));
    expect(seen).toEqual([{ id: 's1', input: { q: 'hi' } }]);
    expect((await store.readWindow(BATCH, [0])).successes.get(0)).toEqual({
      sampleId: 's1',
      answer: { output: 'hello', latencyMs: expect.any(Number) },
    });
  });

  it.each([
    [{ ...payload(), runner: '../evil/module.mjs' }, 'runner: must be a runner name, not a path'],
    [{ ...payload(), sampleId: 'other' }, 'sampleId must equal invocation.id'],
    [{ ...payload(), batchId: 'not-hex' }, 'batchId'],
    [{ ...payload(), extra: 1 }, 'Unrecognized key'],
    [
      { ...payload(), invocation: { id: 's1', input: ['q'] } },
      'invocation.input: must be an object of input fields',
    ],
    ['just a string', '(payload)'],
  ])('rejects an invalid payload without running anything: %j', async (data, fragment) => {
    const { processor, calls } = countingProcessor();
    const error = (await processor(job(data)).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(InvalidSampleJobError);
    expect(error.message).toContain(fragment);
    expect(calls()).toBe(0);
  });

  it('records a failure for an unknown runner', async () => {
    const id = 'b'.repeat(32);
    await store.start(id, 1, 60);
    const processor = createSampleProcessor({
      store,
      clock: systemClock,
      resolveRunner: async () => undefined,
    });
    await expect(processor(job(payload({ batchId: id })))).rejects.toThrow(InvalidSampleJobError);
    expect((await store.readWindow(id, [0])).failures.get(0)?.error).toContain(
      "runner 'sut' is not defined",
    );
  });

  it('records a failure on the final attempt only, then rethrows', async () => {
    const id = 'c'.repeat(32);
    await store.start(id, 1, 60);
    const processor = createSampleProcessor({
      store,
      clock: systemClock,
      resolveRunner: async () => () => {
        throw new Error('worker timed out');
      },
    });
    await expect(processor(job(payload({ batchId: id }), 0, 2))).rejects.toThrow(
      'worker timed out',
    );
    expect((await store.readWindow(id, [0])).failures.size).toBe(0);
    await expect(processor(job(payload({ batchId: id }), 1, 2))).rejects.toThrow(
      'worker timed out',
    );
    expect((await store.readWindow(id, [0])).failures.get(0)).toEqual({
      sampleId: 's1',
      error: 'worker timed out',
    });
  });

  it('enforces the per-sample timeout in the worker', async () => {
    const id = 'd'.repeat(32);
    await store.start(id, 1, 60);
    let aborted = false;
    const processor = createSampleProcessor({
      store,
      clock: systemClock,
      resolveRunner:
        async () =>
        (_invocation, { signal }) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              aborted = true;
            });
            setTimeout(() => resolve('late'), 3000).unref();
          }),
    });
    await expect(processor(job(payload({ batchId: id, timeoutSeconds: 1 })))).rejects.toThrow(
      'timed out after 1 second',
    );
    expect(aborted).toBe(true);
    expect((await store.readWindow(id, [0])).failures.get(0)?.error).toBe(
      'the system under test timed out after 1 second',
    );
  });

  it('names the sample, the failure and the store error when recording fails', async () => {
    const broken: ResultStore = {
      ...store,
      recordFailure: async () => {
        throw new Error('cache write failed');
      },
    };
    const processor = createSampleProcessor({
      store: broken,
      clock: systemClock,
      resolveRunner: async () => () => {
        throw new Error('worker timed out');
      },
    });
    const error = (await processor(job(payload())).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("'s1'");
    expect(error.message).toContain('worker timed out');
    expect(error.message).toContain('cache write failed');
  });

  it('skips the jobs of a batch that is no longer active, without calling the SUT', async () => {
    const aborted = 'e'.repeat(32);
    const finished = 'f'.repeat(32);
    const expired = '0'.repeat(32);
    await store.start(aborted, 2, 60);
    await store.abort(aborted);
    await store.start(finished, 1, 60);
    await store.finish(finished);
    const lines: string[] = [];
    const { processor, calls } = countingProcessor((line) => lines.push(line));
    await processor(job(payload({ batchId: aborted })));
    await processor(job(payload({ batchId: aborted, index: 1 })));
    await processor(job(payload({ batchId: finished })));
    await processor(job(payload({ batchId: expired })));
    expect(calls()).toBe(0);
    expect((await store.readWindow(finished, [0])).successes.size).toBe(0);
    // One line per batch, however many of its jobs were skipped.
    expect(lines).toEqual([
      `skipping the jobs of batch '${aborted}': it is aborted, so nobody reads their outcomes`,
      `skipping the jobs of batch '${finished}': it is finished, so nobody reads their outcomes`,
      `skipping the jobs of batch '${expired}': it is expired, so nobody reads their outcomes`,
    ]);
  });

  it('refuses, and records as the sample failure, a job queued by another version or SUT', async () => {
    const id = '1'.repeat(32);
    await store.start(id, 3, 60);
    let calls = 0;
    const processor = createSampleProcessor({
      store,
      clock: systemClock,
      identity: { version: EVAL_HARNESS_VERSION, sutFingerprint: 'sut-a' },
      resolveRunner: async () => () => {
        calls++;
        return 'x';
      },
    });
    await processor(job(payload({ batchId: id })));
    await processor(
      job(
        payload({
          batchId: id,
          index: 1,
          producer: { version: EVAL_HARNESS_VERSION, sutFingerprint: null },
        }),
      ),
    );
    expect(calls).toBe(2);
    const otherSut = payload({
      batchId: id,
      index: 2,
      producer: { version: EVAL_HARNESS_VERSION, sutFingerprint: 'sut-b' },
    });
    await expect(processor(job(otherSut))).rejects.toThrow(InvalidSampleJobError);
    await expect(
      processor(job({ ...otherSut, producer: { version: '0.0.1', sutFingerprint: 'sut-a' } })),
    ).rejects.toThrow(
      `stale worker: it runs eval-harness ${EVAL_HARNESS_VERSION} with SUT sut-a, but the job was queued by eval-harness 0.0.1 with SUT sut-a; redeploy the workers`,
    );
    expect(calls).toBe(2);
    expect((await store.readWindow(id, [2])).failures.get(2)?.error).toContain(
      'the job was queued by eval-harness',
    );
  });
});
