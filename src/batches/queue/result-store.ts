import { EvalRunError, InfraError } from '../../errors.js';
import * as z from 'zod';
import { SutAnswerSchema, type SutAnswer } from '../../sut/index.js';
import type { RedisClient } from './redis-connection.js';
import { batchAbortsChannel, batchKeys } from './redis-keys.js';

export interface StoredSuccess {
  readonly sampleId: string;
  readonly answer: SutAnswer;
  /** SUT calls the worker made, retries included (absent: one). */
  readonly attempts?: number;
}

export interface StoredFailure {
  readonly sampleId: string;
  readonly error: string;
  readonly attempts?: number;
}

/** What one read of a window returns: only indexes that have an outcome appear. */
export interface WindowRead {
  readonly successes: ReadonlyMap<number, StoredSuccess>;
  readonly failures: ReadonlyMap<number, StoredFailure>;
}

export type BatchStatus = 'active' | 'finished' | 'aborted';

/** What a notice says: the recorded outcome, or only its index when the message was unreadable. */
export type RecordedNotice =
  | { readonly index: number; readonly success: StoredSuccess }
  | { readonly index: number; readonly failure: StoredFailure }
  | { readonly index: number };

/**
 * Where workers leave outcomes and the producer finds them. First writer
 * wins per index; outcomes recorded after finish or abort are ignored.
 */
export interface ResultStore {
  start(batchId: string, sampleCount: number, ttlSeconds: number): Promise<void>;
  finish(batchId: string): Promise<void>;
  /** Mark the batch aborted, drop its results, and announce it to `subscribeAborts` listeners. */
  abort(batchId: string): Promise<void>;
  recordSuccess(
    batchId: string,
    index: number,
    sampleId: string,
    answer: SutAnswer,
    ttlSeconds: number,
    attempts?: number,
  ): Promise<boolean>;
  recordFailure(
    batchId: string,
    index: number,
    sampleId: string,
    error: string,
    ttlSeconds: number,
    attempts?: number,
  ): Promise<boolean>;
  /** Outcomes of the given indexes, in one round trip. */
  readWindow(batchId: string, indexes: readonly number[]): Promise<WindowRead>;
  meta(
    batchId: string,
  ): Promise<{ sampleCount: number; status: BatchStatus; ttlSeconds: number } | undefined>;
  /** The batch's status in one cheap read; undefined when its metadata is gone (expired). */
  status(batchId: string): Promise<BatchStatus | undefined>;
  /**
   * Call `onRecorded` whenever an outcome of the batch is recorded, with the outcome itself so
   * the producer needs no read; returns the unsubscribe. Notices are best effort (pub/sub): a
   * reader still reads the store now and then for the ones lost while disconnected.
   */
  subscribe(
    batchId: string,
    onRecorded: (notice: RecordedNotice) => void,
  ): Promise<() => Promise<void>>;
  /** Call `onAborted` with the id of every batch aborted from now on (best effort, pub/sub). */
  subscribeAborts(onAborted: (batchId: string) => void): Promise<() => Promise<void>>;
}

/**
 * Records an outcome atomically: only while the batch is active, only once per index (success or
 * failure), refreshing every key's TTL to the larger of the stored and given TTL, and publishing
 * "<index> <kind> <stored JSON>" so the producer has the outcome within milliseconds, unread.
 */
const RECORD_SCRIPT = `
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
local target = KEYS[2]
if ARGV[2] == 'failure' then target = KEYS[3] end
redis.call('HSET', target, ARGV[1], ARGV[3])
local ttl = tonumber(ARGV[4])
local stored = tonumber(redis.call('HGET', KEYS[1], 'ttl_seconds') or '0')
if ttl > stored then
  redis.call('HSET', KEYS[1], 'ttl_seconds', ttl)
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
elseif redis.call('TTL', target) < 0 then
  -- The first outcome of its kind created the hash: give it the batch TTL.
  redis.call('EXPIRE', target, stored)
end
redis.call('PUBLISH', KEYS[4], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
return 1
`;

/** Change the status of an existing batch (never re-creating an expired one); abort drops results. */
const STATUS_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
if ARGV[2] == '1' then redis.call('DEL', KEYS[2], KEYS[3]) end
return 1
`;

type RecordingClient = RedisClient & {
  setBatchStatus(
    meta: string,
    ok: string,
    failed: string,
    status: string,
    clear: string,
  ): Promise<number>;
  recordBatchOutcome(
    meta: string,
    ok: string,
    failed: string,
    events: string,
    index: string,
    kind: string,
    payload: string,
    ttl: string,
  ): Promise<number>;
};

export function createRedisResultStore(client: RedisClient, prefix: string): ResultStore {
  const recording = client as RecordingClient;
  if (typeof recording.recordBatchOutcome !== 'function') {
    client.defineCommand('recordBatchOutcome', { numberOfKeys: 4, lua: RECORD_SCRIPT });
    client.defineCommand('setBatchStatus', { numberOfKeys: 3, lua: STATUS_SCRIPT });
  }
  const keys = (batchId: string) => batchKeys(prefix, batchId);

  const record = async (
    batchId: string,
    index: number,
    kind: 'success' | 'failure',
    payload: object,
    ttlSeconds: number,
  ): Promise<boolean> => {
    if (!Number.isInteger(index) || index < 0)
      throw new EvalRunError(`Batch sample index ${index} must be a non-negative integer.`);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)
      throw new EvalRunError('Batch result TTL must be at least 1 second.');
    const k = keys(batchId);
    const added = await recording.recordBatchOutcome(
      k.meta,
      k.successes,
      k.failures,
      k.events,
      String(index),
      kind,
      JSON.stringify(payload),
      String(ttlSeconds),
    );
    return added === 1;
  };

  const setStatus = async (
    batchId: string,
    status: BatchStatus,
    clearResults: boolean,
  ): Promise<void> => {
    const k = keys(batchId);
    await recording.setBatchStatus(
      k.meta,
      k.successes,
      k.failures,
      status,
      clearResults ? '1' : '0',
    );
  };

  return {
    async start(batchId, sampleCount, ttlSeconds) {
      if (!Number.isInteger(sampleCount) || sampleCount < 0)
        throw new EvalRunError('Batch sample count must be 0 or more.');
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)
        throw new EvalRunError('Batch result TTL must be at least 1 second.');
      const k = keys(batchId);
      await client
        .multi()
        .del(k.successes, k.failures)
        .hset(k.meta, { sample_count: sampleCount, status: 'active', ttl_seconds: ttlSeconds })
        .expire(k.meta, ttlSeconds)
        .exec();
    },
    finish: (batchId) => setStatus(batchId, 'finished', false),
    async abort(batchId) {
      // Aborting drops stored results: nobody will read them.
      await setStatus(batchId, 'aborted', true);
      await client.publish(batchAbortsChannel(prefix), batchId);
    },
    recordSuccess: (batchId, index, sampleId, answer, ttl, attempts) =>
      record(
        batchId,
        index,
        'success',
        { ...storedAnswer(sampleId, answer), ...attemptsField(attempts) },
        ttl,
      ),
    recordFailure: (batchId, index, sampleId, error, ttl, attempts) =>
      record(
        batchId,
        index,
        'failure',
        { sample_id: sampleId, error, ...attemptsField(attempts) },
        ttl,
      ),

    async readWindow(batchId, indexes) {
      const successes = new Map<number, StoredSuccess>();
      const failures = new Map<number, StoredFailure>();
      if (indexes.length === 0) return { successes, failures };
      const k = keys(batchId);
      const fields = indexes.map(String);
      const results = await client
        .pipeline()
        .hget(k.meta, 'status')
        .hmget(k.successes, ...fields)
        .hmget(k.failures, ...fields)
        .exec();
      const [statusReply, okReply, failedReply] = (results ?? []).map(([error, value]) => {
        if (error) throw error;
        return value;
      });
      const status = statusReply as string | null;
      if (status === 'active' || status === 'finished') {
        (okReply as (string | null)[]).forEach((raw, i) => {
          if (raw === null) return;
          const index = indexes[i] as number;
          successes.set(index, parseSuccess(raw) ?? throwMalformed(batchId, index));
        });
      }
      if (status === 'active') {
        (failedReply as (string | null)[]).forEach((raw, i) => {
          if (raw === null) return;
          const index = indexes[i] as number;
          failures.set(index, parseFailure(raw) ?? throwMalformed(batchId, index));
        });
      }
      return { successes, failures };
    },

    async meta(batchId) {
      const raw = await client.hgetall(keys(batchId).meta);
      if (Object.keys(raw).length === 0) return undefined;
      const sampleCount = Number(raw['sample_count']);
      const ttlSeconds = Number(raw['ttl_seconds']);
      const status = raw['status'];
      if (
        !Number.isInteger(sampleCount) ||
        sampleCount < 0 ||
        !Number.isInteger(ttlSeconds) ||
        ttlSeconds < 1 ||
        !['active', 'finished', 'aborted'].includes(status ?? '')
      ) {
        throw new InfraError(
          `Stored lazy parallel batch metadata for batch '${batchId}' is invalid.`,
        );
      }
      return { sampleCount, ttlSeconds, status: status as BatchStatus };
    },

    async status(batchId) {
      const status = await client.hget(keys(batchId).meta, 'status');
      return status === 'active' || status === 'finished' || status === 'aborted'
        ? status
        : undefined;
    },

    subscribe: (batchId, onRecorded) =>
      listen(client, keys(batchId).events, (message) => {
        const notice = parseNotice(message);
        if (notice !== undefined) onRecorded(notice);
      }),

    subscribeAborts: (onAborted) => listen(client, batchAbortsChannel(prefix), onAborted),
  };
}

/** Subscribe a connection of its own to one channel; returns the unsubscribe. */
async function listen(
  client: RedisClient,
  channel: string,
  onMessage: (message: string) => void,
): Promise<() => Promise<void>> {
  const subscriber = client.duplicate();
  subscriber.on('error', () => undefined);
  subscriber.on('message', (received: string, message: string) => {
    if (received === channel) onMessage(message);
  });
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.disconnect();
  };
}

/**
 * What a worker stores for a sample (`storedAnswer` writes it): the sample id and the SUT's
 * answer, its text under `actual_output`; or the sample id and the error that failed it.
 */
const storedAttempts = z.number().int().min(1).optional();
const StoredSuccessSchema = SutAnswerSchema.omit({ output: true }).extend({
  sample_id: z.string(),
  actual_output: z.string(),
  attempts: storedAttempts,
  latency_ms: z.number().min(0).optional(),
});
const StoredFailureSchema = z.object({
  sample_id: z.string(),
  error: z.string(),
  attempts: storedAttempts,
});

/** Attempts are stored only past the first: most samples take one call. */
function attemptsField(attempts: number | undefined): { attempts?: number } {
  return attempts === undefined || attempts <= 1 ? {} : { attempts };
}

/** Stored JSON read with its schema; undefined when it is not what a worker writes. */
function parseStored<T extends z.ZodType>(raw: string, schema: T): z.output<T> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** `{ sample_id, actual_output, retrieved?, trajectory?, usage? }`: the answer as stored. */
function storedAnswer(sampleId: string, answer: SutAnswer): Record<string, unknown> {
  return {
    sample_id: sampleId,
    actual_output: answer.output,
    ...(answer.retrieved === undefined ? {} : { retrieved: answer.retrieved }),
    ...(answer.trajectory === undefined ? {} : { trajectory: answer.trajectory }),
    ...(answer.usage === undefined ? {} : { usage: answer.usage }),
    ...(answer.latencyMs === undefined ? {} : { latency_ms: answer.latencyMs }),
  };
}

function parseSuccess(raw: string): StoredSuccess | undefined {
  const stored = parseStored(raw, StoredSuccessSchema);
  if (stored === undefined) return undefined;
  const {
    sample_id: sampleId,
    actual_output: output,
    retrieved,
    trajectory,
    usage,
    latency_ms: latencyMs,
  } = stored;
  return {
    sampleId,
    ...(stored.attempts === undefined ? {} : { attempts: stored.attempts }),
    answer: {
      output,
      ...(retrieved === undefined ? {} : { retrieved }),
      ...(trajectory === undefined ? {} : { trajectory }),
      ...(usage === undefined ? {} : { usage }),
      ...(latencyMs === undefined ? {} : { latencyMs }),
    },
  };
}

function parseFailure(raw: string): StoredFailure | undefined {
  const stored = parseStored(raw, StoredFailureSchema);
  return stored === undefined
    ? undefined
    : {
        sampleId: stored.sample_id,
        error: stored.error,
        ...(stored.attempts === undefined ? {} : { attempts: stored.attempts }),
      };
}

/**
 * "<index> success|failure <stored JSON>" as RECORD_SCRIPT publishes it. An unreadable outcome
 * still announces its index (the reader then reads the store, which reports a malformed
 * result properly); an unreadable index announces nothing.
 */
function parseNotice(message: string): RecordedNotice | undefined {
  const afterIndex = message.indexOf(' ');
  const indexText = afterIndex < 0 ? message : message.slice(0, afterIndex);
  if (!/^[0-9]+$/.test(indexText)) return undefined;
  const index = Number(indexText);
  const afterKind = afterIndex < 0 ? -1 : message.indexOf(' ', afterIndex + 1);
  if (afterKind < 0) return { index };
  const kind = message.slice(afterIndex + 1, afterKind);
  const raw = message.slice(afterKind + 1);
  if (kind === 'success') {
    const success = parseSuccess(raw);
    return success === undefined ? { index } : { index, success };
  }
  if (kind === 'failure') {
    const failure = parseFailure(raw);
    return failure === undefined ? { index } : { index, failure };
  }
  return { index };
}

function throwMalformed(batchId: string, index: number): never {
  throw new InfraError(
    `Stored lazy parallel batch result for batch '${batchId}' at index ${index} is malformed.`,
  );
}
