import { describe, expect, it } from 'vitest';
import {
  checkClusterPrefix,
  describeRedisTarget,
  redactRedisUrl,
  resolveRedisTarget,
} from '../../../src/batches/index.js';
import { ConfigError, UsageError } from '../../../src/errors.js';

describe('resolveRedisTarget', () => {
  it('keeps one URL as a single-node target, passed through as written', () => {
    expect(resolveRedisTarget(' rediss://u:p@cache.internal:6380/2 ', '--redis-url')).toEqual({
      kind: 'single',
      url: 'rediss://u:p@cache.internal:6380/2',
    });
  });

  it('reads a comma-separated list, or a config list of one, as a cluster with shared credentials', () => {
    const fromFlag = resolveRedisTarget(
      'rediss://alice:p%40ss@10.0.0.1:7000, rediss://alice:p%40ss@[::1]',
      '--redis-url',
    );
    expect(fromFlag).toEqual({
      kind: 'cluster',
      urls: ['rediss://alice:p%40ss@10.0.0.1:7000', 'rediss://alice:p%40ss@[::1]'],
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 6379 },
      ],
      tls: true,
      username: 'alice',
      password: 'p@ss',
    });
    expect(resolveRedisTarget({ cluster: ['redis://n1:7000'] }, 'redis.cluster')).toMatchObject({
      kind: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }],
      tls: false,
      username: undefined,
      password: undefined,
    });
  });

  it('blames the flag with a usage error and the config with a config error', () => {
    expect(() => resolveRedisTarget('localhost:6379', '--redis-url')).toThrow(UsageError);
    expect(() => resolveRedisTarget({ cluster: ['http://n1'] }, 'redis.cluster')).toThrow(
      ConfigError,
    );
    expect(() => resolveRedisTarget({ cluster: ['http://n1'] }, 'redis.cluster')).toThrow(
      "redis.cluster: 'http://n1' is not a Redis URL",
    );
    expect(() => resolveRedisTarget(' , ', 'EVAL_HARNESS_REDIS_URL')).toThrow(
      'EVAL_HARNESS_REDIS_URL names no Redis URL',
    );
    expect(() => resolveRedisTarget('redis://n1/x', '--redis-url')).toThrow(
      "--redis-url: 'redis://n1/x' has a path that is not a database number.",
    );
  });
});

describe('checkClusterPrefix', () => {
  const cluster = resolveRedisTarget('redis://n1:7000,redis://n2:7000', '--redis-url');

  it('accepts a prefix with a non-empty hash tag, and any prefix on a single node', () => {
    expect(() => checkClusterPrefix(cluster, '{evals}')).not.toThrow();
    expect(() => checkClusterPrefix(cluster, 'team-a:{evals}')).not.toThrow();
    expect(() => checkClusterPrefix(resolveRedisTarget('redis://n1', 'x'), 'evals')).not.toThrow();
  });

  it('refuses a missing or empty hash tag, suggesting a prefix that works', () => {
    expect(() => checkClusterPrefix(cluster, 'evals')).toThrow("set redis.prefix to '{evals}'");
    expect(() => checkClusterPrefix(cluster, 'ev{als')).toThrow("set redis.prefix to '{evals}'");
    expect(() => checkClusterPrefix(cluster, '{}')).toThrow("set redis.prefix to '{eval-harness}'");
  });
});

describe('redactRedisUrl and describeRedisTarget', () => {
  it('hides passwords and otherwise shows URLs as written', () => {
    expect(redactRedisUrl('redis://user:secret@host:1')).toBe('redis://user:***@host:1');
    expect(redactRedisUrl('redis://host:1')).toBe('redis://host:1');
    expect(redactRedisUrl('not a url://u:secret@x')).toBe('not a url://u:***@x');
    expect(
      describeRedisTarget(
        resolveRedisTarget('redis://:pw@n1:7000,redis://:pw@n2:7000', '--redis-url'),
      ),
    ).toBe('Redis Cluster redis://:***@n1:7000,redis://:***@n2:7000');
  });
});
