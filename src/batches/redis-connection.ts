import type { Redis } from 'ioredis';
import { InfraError, errorMessage } from '../errors.js';
import { loadIoredis } from './queue-libraries.js';
import { redactRedisUrl } from './redis-keys.js';

/** How long the start-up probe waits for Redis before giving up. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Check that Redis answers before anything is queued, so an unreachable server is one clear
 * error (exit 3) naming the URL, instead of a client retrying forever.
 */
export async function probeRedis(url: string): Promise<void> {
  const { Redis: RedisClient } = loadIoredis();
  const probe = new RedisClient(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The socket error (ECONNREFUSED, ENOTFOUND) says more than the client's "Connection is closed".
  let socketError: unknown;
  probe.on('error', (error: unknown) => {
    socketError ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    const reason = errorMessage(socketError ?? error).replace(/\.+$/, '') || 'connection failed';
    throw new InfraError(
      `Cannot reach Redis at ${redactRedisUrl(url)}: ${reason}. Start Redis, or point --redis-url / redis.url / EVAL_HARNESS_REDIS_URL at it.`,
      { code: 'E_REDIS_UNREACHABLE', cause: error },
    );
  } finally {
    probe.disconnect();
  }
}

/**
 * A client for BullMQ and the result store. `maxRetriesPerRequest: null` is what BullMQ needs;
 * it also means commands wait through a Redis restart, so every wait on Redis is bounded by a
 * deadline elsewhere.
 */
export async function createRedisClient(url: string): Promise<Redis> {
  const { Redis: RedisClient } = loadIoredis();
  const client = new RedisClient(url, {
    maxRetriesPerRequest: null,
    // Reconnect quickly after a restart, capped at 2 s between attempts.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // Connection errors are retried; commands surface their own failures.
  client.on('error', () => undefined);
  return client;
}
