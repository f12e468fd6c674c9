import { ConfigError, UsageError } from '../../errors.js';

/**
 * Where the queue and the result store live: one Redis URL, or a Redis Cluster given by the URLs
 * of one or more of its nodes (`{ cluster: [...] }` in the config). A string with commas is a
 * cluster too, so `--redis-url` and `EVAL_HARNESS_REDIS_URL` can name one.
 */
export type RedisTarget = string | { readonly cluster: readonly string[] };

/** One node's address as a Cluster client wants it. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

/** A target after validation: what a connection needs, with nothing left to parse. */
export type ResolvedRedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly urls: readonly string[];
      readonly nodes: readonly RedisNodeAddress[];
      /** From the first URL; every node URL must agree (one client serves them all). */
      readonly tls: boolean;
      readonly username: string | undefined;
      readonly password: string | undefined;
    };

/** Where a target came from, for messages: `--redis-url`, `redis.cluster`, … */
export type RedisTargetSource = string;

const SCHEMES = new Set(['redis:', 'rediss:']);

/**
 * Validate a target and split a cluster into node addresses. Every error is an input error
 * (exit 2) naming `source` and the offending URL with its password hidden.
 */
export function resolveRedisTarget(
  target: RedisTarget,
  source: RedisTargetSource,
): ResolvedRedisTarget {
  const fromConfig = typeof target !== 'string';
  const urls =
    typeof target === 'string'
      ? target.split(',').map((part) => part.trim())
      : target.cluster.map((part) => part.trim());
  const fail = (message: string): never => {
    throw fromConfig ? new ConfigError(message) : new UsageError(message);
  };
  if (urls.length === 0 || urls.every((url) => url === ''))
    fail(
      `${source} names no Redis URL; give redis://host:port (or a comma-separated list of cluster node URLs).`,
    );
  if (urls.some((url) => url === ''))
    fail(`${source} has an empty entry in its list of Redis node URLs; remove the extra comma.`);
  const parsed = urls.map((url) => parseNodeUrl(url, source, fail));
  if (typeof target === 'string' && urls.length === 1) {
    return { kind: 'single', url: urls[0] as string };
  }
  const first = parsed[0] as ParsedNodeUrl;
  for (const [index, node] of parsed.entries()) {
    if (
      node.tls !== first.tls ||
      node.username !== first.username ||
      node.password !== first.password
    )
      fail(
        `${source}: Redis Cluster node URL ${redactRedisUrl(urls[index] as string)} differs from the first in scheme or credentials; one client serves every node, so give all of them the same.`,
      );
    if (node.db !== 0)
      fail(
        `${source}: Redis Cluster node URL ${redactRedisUrl(urls[index] as string)} selects database ${node.db}; a cluster has only database 0, so drop the /${node.db}.`,
      );
  }
  return {
    kind: 'cluster',
    urls,
    nodes: parsed.map(({ host, port }) => ({ host, port })),
    tls: first.tls,
    username: first.username,
    password: first.password,
  };
}

interface ParsedNodeUrl extends RedisNodeAddress {
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
}

function parseNodeUrl(
  url: string,
  source: RedisTargetSource,
  fail: (message: string) => never,
): ParsedNodeUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(
      `${source}: '${redactRedisUrl(url)}' is not a Redis URL; write redis://host:port or rediss://user:password@host:port.`,
    );
  }
  if (!SCHEMES.has(parsed.protocol) || parsed.hostname === '')
    fail(
      `${source}: '${redactRedisUrl(url)}' is not a Redis URL; write redis://host:port or rediss://user:password@host:port.`,
    );
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^[0-9]+$/.test(dbText))
    fail(`${source}: '${redactRedisUrl(url)}' has a path that is not a database number.`);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    tls: parsed.protocol === 'rediss:',
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db: dbText === '' ? 0 : Number(dbText),
  };
}

/**
 * On a cluster, every key of a batch (its metadata, outcomes and the queue's keys) must hash to
 * one slot, for the store's Lua script and BullMQ's; only a `{…}` hash tag in the prefix does that.
 * Refused up front (exit 2) with the prefix to use, instead of CROSSSLOT errors mid-run.
 */
export function checkClusterPrefix(target: ResolvedRedisTarget, prefix: string): void {
  if (target.kind !== 'cluster') return;
  const tag = /\{([^}]*)\}/.exec(prefix);
  if (tag !== null && tag[1] !== '') return;
  const suggestion = `{${prefix.replace(/[{}]/g, '') || 'eval-harness'}}`;
  throw new ConfigError(
    `Redis Cluster needs a key prefix with a hash tag so a batch's keys share one slot: redis.prefix '${prefix}' has none; set redis.prefix to '${suggestion}'.`,
  );
}

/** How a target reads in messages, passwords hidden. */
export function describeRedisTarget(target: ResolvedRedisTarget): string {
  return target.kind === 'single'
    ? redactRedisUrl(target.url)
    : `Redis Cluster ${target.urls.map(redactRedisUrl).join(',')}`;
}

/**
 * `redis://user:secret@host` → `redis://user:***@host`: URLs in messages never carry passwords,
 * and otherwise read as the user wrote them.
 */
export function redactRedisUrl(url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
  if (password === '') return url;
  const written = `:${password}@`;
  if (url.includes(written)) return url.replace(written, ':***@');
  const parsed = new URL(url);
  parsed.password = '***';
  return parsed.toString();
}
