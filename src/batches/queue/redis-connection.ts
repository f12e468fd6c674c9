import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { ConfigError, InfraError, errorMessage } from '../../errors.js';
import { loadIoredis } from './queue-libraries.js';
import {
  describeRedisTarget,
  resolveRedisTarget,
  type RedisTarget,
  type ResolvedRedisTarget,
} from './redis-target.js';

/** A single-node client or a Cluster client: the store and BullMQ take either. */
export type RedisClient = Redis | Cluster;

/** How long the start-up probe waits for Redis before giving up. */
const PROBE_TIMEOUT_MS = 5000;

const WHERE_TO_POINT = '--redis-url / redis.url / redis.cluster / EVAL_HARNESS_REDIS_URL';

/**
 * Check that Redis answers before anything is queued, so an unreachable server is one clear
 * error (exit 3) naming the URL, instead of a client retrying forever. A cluster node given as a
 * single URL is refused here too (exit 2): a single-node client cannot follow the cluster's
 * redirects, and would fail later with an obscure EXECABORT.
 */
export async function probeRedis(
  target: ResolvedRedisTarget,
  source = 'the Redis target',
): Promise<void> {
  const probe = createClient(target, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retry: false,
  });
  // The socket error (ECONNREFUSED, ENOTFOUND) says more than the client's "Connection is closed".
  let socketError: unknown;
  probe.on('error', (error: unknown) => {
    socketError ??= error;
  });
  let clusterEnabled: boolean;
  try {
    await withTimeout(probe.connect(), PROBE_TIMEOUT_MS);
    await probe.ping();
    clusterEnabled = /^cluster_enabled:1\s*$/m.test(await probe.info('cluster'));
  } catch (error) {
    const reason = errorMessage(socketError ?? error).replace(/\.+$/, '') || 'connection failed';
    // Wrong credentials are the user's to fix in the URL, not an outage.
    if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(reason))
      throw new ConfigError(
        `Redis at ${describeRedisTarget(target)} (${source}) refused the connection: ${reason}. Check the user and password in the URL.`,
        { cause: error },
      );
    throw new InfraError(
      `Cannot reach Redis at ${describeRedisTarget(target)} (${source}): ${reason}. Start Redis, or point ${WHERE_TO_POINT} at it.`,
      { code: 'E_REDIS_UNREACHABLE', cause: error },
    );
  } finally {
    probe.disconnect();
  }
  if (clusterEnabled && target.kind === 'single')
    throw new ConfigError(
      `Redis at ${describeRedisTarget(target)} (${source}) is a Redis Cluster node: list the cluster's node URLs in redis.cluster, or comma-separated in --redis-url / EVAL_HARNESS_REDIS_URL.`,
    );
}

export interface RedisClientOptions {
  /** Batch commands issued in the same tick into one write (the workers' outcome records). */
  readonly autoPipelining?: boolean;
}

/**
 * A client for BullMQ and the result store. `maxRetriesPerRequest: null` is what BullMQ needs;
 * it also means commands wait through a Redis restart, so every wait on Redis is bounded by a
 * deadline elsewhere. Connection errors are retried; commands surface their own failures.
 */
export function createRedisClient(
  target: RedisTarget | ResolvedRedisTarget,
  options: RedisClientOptions = {},
): RedisClient {
  const resolved =
    typeof target === 'object' && 'kind' in target ? target : resolveRedisTarget(target, 'Redis');
  const client = createClient(resolved, {
    maxRetriesPerRequest: null,
    retry: true,
    ...(options.autoPipelining === true ? { enableAutoPipelining: true } : {}),
  });
  client.on('error', () => undefined);
  return client;
}

interface ClientSettings {
  readonly lazyConnect?: boolean;
  readonly connectTimeout?: number;
  readonly maxRetriesPerRequest: number | null;
  readonly enableOfflineQueue?: boolean;
  readonly enableAutoPipelining?: boolean;
  /** Reconnect quickly after a restart, capped at 2 s between attempts; or never (the probe). */
  readonly retry: boolean;
}

function createClient(target: ResolvedRedisTarget, settings: ClientSettings): RedisClient {
  const { Redis: SingleClient, Cluster: ClusterClient } = loadIoredis();
  const { retry, ...shared } = settings;
  const retryStrategy = retry ? (times: number) => Math.min(times * 100, 2000) : () => null;
  if (target.kind === 'single') {
    const options: RedisOptions = { ...shared, retryStrategy };
    return new SingleClient(target.url, options);
  }
  const { lazyConnect, enableOfflineQueue, enableAutoPipelining, ...perNode } = shared;
  const options: ClusterOptions = {
    clusterRetryStrategy: retryStrategy,
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    // Managed TLS clusters answer with node addresses their certificates are issued for; looking
    // them up again would check the certificate against an IP address instead.
    ...(target.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    redisOptions: {
      ...perNode,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.tls ? { tls: {} } : {}),
    },
  };
  return new ClusterClient(
    target.nodes.map(({ host, port }) => ({ host, port })),
    options,
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
