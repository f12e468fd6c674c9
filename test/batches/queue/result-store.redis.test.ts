// Real Redis: the store's guarantees (first writer wins, status gating, TTLs, pub/sub) live in a
// Lua script and Redis semantics that only a real server can check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchKeys,
  createRedisClient,
  type RedisClient,
  createRedisResultStore,
  type RecordedNotice,
  type ResultStore,
} from '../../../src/batches/index.js';
import { InfraError } from '../../../src/errors.js';
import { RedisServer } from '../../helpers/redis-server.js';

let server: RedisServer;
let client: RedisClient;
let store: ResultStore;
const PREFIX = 'test-store';

beforeAll(async () => {
  server = await RedisServer.start();
  client = createRedisClient(server.url);
  store = createRedisResultStore(client, PREFIX);
});

afterAll(async () => {
  client.disconnect();
  await server.stop();
});

let counter = 0;
const newBatch = () => `${(++counter).toString(16).padStart(32, '0')}`;

describe('Redis result store', () => {
  it('records successes and failures and reads a window in one call', async () => {
    const id = newBatch();
    await store.start(id, 3, 60);
    expect(await store.recordSuccess(id, 1, 's2', { output: 'second' }, 60)).toBe(true);
    expect(await store.recordFailure(id, 2, 's3', 'boom', 60)).toBe(true);
    const read = await store.readWindow(id, [0, 1, 2]);
    expect([...read.successes]).toEqual([[1, { sampleId: 's2', answer: { output: 'second' } }]]);
    expect([...read.failures]).toEqual([[2, { sampleId: 's3', error: 'boom' }]]);
    expect(await store.meta(id)).toEqual({ sampleCount: 3, status: 'active', ttlSeconds: 60 });
  });

  it('lets the first writer win per index', async () => {
    const id = newBatch();
    await store.start(id, 1, 60);
    expect(await store.recordSuccess(id, 0, 's1', { output: 'first' }, 60)).toBe(true);
    expect(await store.recordFailure(id, 0, 's1', 'late failure', 60)).toBe(false);
    expect(await store.recordSuccess(id, 0, 's1', { output: 'second' }, 60)).toBe(false);
    const read = await store.readWindow(id, [0]);
    expect(read.successes.get(0)?.answer.output).toBe('first');
    expect(read.failures.size).toBe(0);
  });

  it('keeps results after finish and drops them after abort', async () => {
    const finished = newBatch();
    await store.start(finished, 2, 60);
    await store.recordSuccess(finished, 0, 's1', { output: 'kept' }, 60);
    await store.finish(finished);
    expect(await store.recordSuccess(finished, 1, 's2', { output: 'ignored' }, 60)).toBe(false);
    const read = await store.readWindow(finished, [0, 1]);
    expect([...read.successes.keys()]).toEqual([0]);
    expect(read.failures.size).toBe(0);

    const aborted = newBatch();
    await store.start(aborted, 2, 60);
    await store.recordSuccess(aborted, 0, 's1', { output: 'dropped' }, 60);
    await store.abort(aborted);
    expect(await store.recordFailure(aborted, 1, 's2', 'ignored', 60)).toBe(false);
    expect((await store.readWindow(aborted, [0, 1])).successes.size).toBe(0);
    expect(await client.exists(batchKeys(PREFIX, aborted).successes)).toBe(0);
  });

  it('raises the TTL of every key to the largest one recorded', async () => {
    const id = newBatch();
    await store.start(id, 1, 60);
    await store.recordSuccess(id, 0, 's1', { output: 'x' }, 120);
    expect(await store.meta(id)).toEqual({ sampleCount: 1, status: 'active', ttlSeconds: 120 });
    const keys = batchKeys(PREFIX, id);
    for (const key of [keys.meta, keys.successes]) {
      const ttl = await client.ttl(key);
      expect(ttl).toBeGreaterThan(60);
      expect(ttl).toBeLessThanOrEqual(120);
    }
    const all = await client.keys(`${PREFIX}:*`);
    expect(all.every((key) => key.startsWith(`${PREFIX}:batch-results:`))).toBe(true);
    for (const key of all) expect(await client.ttl(key)).toBeGreaterThan(0);
  });

  it('never re-creates an expired batch on finish, and ignores outcomes without a batch', async () => {
    const id = newBatch();
    await store.finish(id);
    expect(await client.exists(batchKeys(PREFIX, id).meta)).toBe(0);
    expect(await store.recordSuccess(id, 0, 's1', { output: 'x' }, 60)).toBe(false);
    expect(await store.meta(id)).toBeUndefined();
  });

  it('rejects malformed metadata and results as runtime failures (the user input was fine)', async () => {
    const id = newBatch();
    await client.hset(batchKeys(PREFIX, id).meta, {
      sample_count: 'x',
      status: 'active',
      ttl_seconds: 60,
    });
    await expect(store.meta(id)).rejects.toThrow(
      `Stored lazy parallel batch metadata for batch '${id}' is invalid.`,
    );
    await expect(store.meta(id)).rejects.toBeInstanceOf(InfraError);
    const broken = newBatch();
    await store.start(broken, 1, 60);
    await client.hset(batchKeys(PREFIX, broken).successes, '0', '{not json');
    await expect(store.readWindow(broken, [0])).rejects.toThrow('is malformed');
    await expect(store.readWindow(broken, [0])).rejects.toMatchObject({ exitCode: 3 });
  });

  it('publishes each recorded outcome, with the outcome itself, to subscribers', async () => {
    const id = newBatch();
    await store.start(id, 2, 60);
    const notices: RecordedNotice[] = [];
    const unsubscribe = await store.subscribe(id, (notice) => notices.push(notice));
    await store.recordSuccess(id, 0, 's1', { output: 'x y\nz' }, 60);
    await store.recordSuccess(id, 0, 's1', { output: 'duplicate' }, 60);
    await store.recordFailure(id, 1, 's2', 'boom: it failed', 60);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await unsubscribe();
    expect(notices).toEqual([
      { index: 0, success: { sampleId: 's1', answer: { output: 'x y\nz' } } },
      { index: 1, failure: { sampleId: 's2', error: 'boom: it failed' } },
    ]);
  });

  it('announces only the index of an outcome it cannot read, so the reader reads the store', async () => {
    const id = newBatch();
    await store.start(id, 1, 60);
    const notices: RecordedNotice[] = [];
    const unsubscribe = await store.subscribe(id, (notice) => notices.push(notice));
    const channel = batchKeys(PREFIX, id).events;
    await client.publish(channel, '3 success {not json');
    await client.publish(channel, '4 failure {"sample_id":"s"}');
    await client.publish(channel, '5');
    await client.publish(channel, 'not-an-index success {}');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await unsubscribe();
    expect(notices).toEqual([{ index: 3 }, { index: 4 }, { index: 5 }]);
  });
});
