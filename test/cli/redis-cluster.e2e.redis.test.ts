// A real three-node Redis Cluster and real `eval-harness worker` processes: redirects, hash slots
// and TLS only show their problems against the real thing.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  makeWorkspace,
  numberedDatasetYaml,
  runCli,
  runKillingTheWorker,
  startCli,
  type BackgroundCli,
} from '../helpers/cli.js';
import {
  RedisCluster,
  TLS_CERT,
  redisUrl,
  securityArgs,
  type RedisSecurity,
} from '../helpers/redis-cluster.js';
import { RedisServer, freePort } from '../helpers/redis-server.js';

let cluster: RedisCluster;
const background: BackgroundCli[] = [];

beforeAll(async () => {
  cluster = await RedisCluster.start();
}, 60_000);

afterEach(async () => {
  for (const worker of background.splice(0)) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
});

afterAll(async () => {
  await cluster?.stop();
});

const EXPECTED = Array.from(
  { length: 20 },
  (_, i) => `s${i}=${i % 5 === 0 ? 'wrong' : `answer ${i}`}`,
);

async function workspace(
  sutDelayMs: number,
  redis: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<string> {
  return makeWorkspace({
    'qa.yml': numberedDatasetYaml('qa', 20),
    'sut.mjs': `export default async ({ input }) => { await new Promise((r) => setTimeout(r, ${sutDelayMs})); return input.n % 5 === 0 ? 'wrong' : 'answer ' + input.n; };\n`,
    'eval-harness.config.json': JSON.stringify({
      datasets: { qa: { path: 'qa.yml', metrics: ['exact-match'] } },
      sut: { type: 'module', path: './sut.mjs' },
      redis,
      ...extra,
    }),
  });
}

async function startWorker(
  cwd: string,
  queue: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<BackgroundCli> {
  const worker = await startCli(['worker', '--queue', queue, '--concurrency', '4', ...args], {
    cwd,
    env,
    readyText: 'taking jobs',
  });
  background.push(worker);
  return worker;
}

const outputsOf = (stdout: string): string[] =>
  JSON.parse(stdout).samples.map(
    (s: { id: string; actual_output: string }) => `${s.id}=${s.actual_output}`,
  );

const exists = async (path: string) => (await stat(path).catch(() => undefined)) !== undefined;

/** Keys matching `pattern` on every node of the cluster, with their TTLs. */
async function keysWithTtl(pattern: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const [index] of cluster.nodes.entries()) {
    const keys = (await cluster.cli(index, '--scan', '--pattern', pattern))
      .split('\n')
      .filter((key) => key !== '');
    for (const key of keys) found.set(key, Number((await cluster.cli(index, 'ttl', key)).trim()));
  }
  return found;
}

describe('lazy-parallel runs on a Redis Cluster', () => {
  it('runs a batch end to end with two worker processes, the config naming one node', async () => {
    const dir = await workspace(5, { cluster: [cluster.urls[0]], prefix: '{e2e-two}' });
    await startWorker(dir, 'two');
    // The second worker finds the cluster from a comma-separated --redis-url instead.
    await startWorker(dir, 'two', {}, ['--redis-url', cluster.urls.join(',')]);
    const result = await runCli(
      [
        'run',
        'qa',
        '--batch=lazy-parallel',
        '--queue=two',
        '--concurrency=8',
        '--json',
        '--no-progress',
      ],
      { cwd: dir },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(outputsOf(result.stdout)).toEqual(EXPECTED);
    const serial = await runCli(['run', 'qa', '--json'], { cwd: dir });
    expect(outputsOf(serial.stdout)).toEqual(EXPECTED);
    // Every key of the run sits in the one slot of its hash tag.
    const slots = new Set(
      await Promise.all(
        [...(await keysWithTtl('{e2e-two}:*')).keys()].map(async (key) =>
          (await cluster.cli(0, 'cluster', 'keyslot', key)).trim(),
        ),
      ),
    );
    expect(slots).toEqual(
      new Set([(await cluster.cli(0, 'cluster', 'keyslot', '{e2e-two}')).trim()]),
    );
  });

  it("expires a batch's result keys with their TTL", async () => {
    const dir = await workspace(
      5,
      { cluster: cluster.urls, prefix: '{e2e-ttl}' },
      {
        batches: { lazyParallel: { resultTtlSeconds: 1 } },
      },
    );
    const result = await runCli(
      [
        'run',
        'qa',
        '--batch=lazy-parallel',
        '--queue=ttl',
        '--local-workers=4',
        '--concurrency=20',
        '--batch-timeout=2',
        '--json',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const keys = await keysWithTtl('{e2e-ttl}:batch-results:*');
    expect([...keys.keys()].some((key) => key.endsWith(':meta'))).toBe(true);
    for (const ttl of keys.values()) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2);
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await keysWithTtl('{e2e-ttl}:batch-results:*')).size).toBe(0);
  });

  it('warns that no worker is connected and names the missing samples at the timeout', async () => {
    const dir = await workspace(5, { cluster: cluster.urls, prefix: '{e2e-none}' });
    const result = await runCli(
      ['run', 'qa', '--batch=lazy-parallel', '--queue=none', '--batch-timeout=3', '--out=r.json'],
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("warning: no worker is connected to queue 'none'");
    expect(result.stderr).toContain(
      "sample error: No outcome for sample 's0' within the batch wait timeout of 3 seconds.",
    );
    // The report of what happened to each sample is written all the same.
    expect(await exists(join(dir, 'r.json'))).toBe(true);
  });

  it('recovers the jobs of a worker killed with SIGKILL mid-batch', async () => {
    const dir = await workspace(400, { cluster: cluster.urls, prefix: '{e2e-kill}' });
    const result = await runKillingTheWorker(dir, 'kill', (env) => startWorker(dir, 'kill', env));
    expect(result.code).toBe(0);
    expect(outputsOf(result.stdout)).toEqual(EXPECTED);
  });

  it('refuses a prefix without a hash tag up front, naming the prefix to use', async () => {
    const dir = await workspace(5, { cluster: cluster.urls, prefix: 'evals' });
    for (const args of [['run', 'qa', '--batch=lazy-parallel', '--out=r.md'], ['worker']]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        "error: Redis Cluster needs a key prefix with a hash tag so a batch's keys share one slot: redis.prefix 'evals' has none; set redis.prefix to '{evals}'.\n",
      );
    }
    expect(await exists(join(dir, 'r.md'))).toBe(false);
    expect((await keysWithTtl('evals:*')).size).toBe(0);
  });

  it('refuses a cluster node given as a single Redis URL, saying how to list the cluster', async () => {
    const dir = await workspace(5, { url: cluster.urls[1], prefix: '{e2e-single}' });
    const result = await runCli(['run', 'qa', '--batch=lazy-parallel'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: Redis at ${cluster.urls[1]} (redis.url) is a Redis Cluster node: list the cluster's node URLs in redis.cluster, or comma-separated in --redis-url / EVAL_HARNESS_REDIS_URL.\n`,
    );
  });

  it('names the flag and the URL of a bad node list, with passwords hidden', async () => {
    const dir = await workspace(5, { cluster: cluster.urls, prefix: '{e2e-bad}' });
    const cases: [string, string][] = [
      [
        `${cluster.urls[0]},http://127.0.0.1:1`,
        "error: --redis-url: 'http://127.0.0.1:1' is not a Redis URL; write redis://host:port or rediss://user:password@host:port.\n",
      ],
      [
        `${cluster.urls[0]},,${cluster.urls[1]}`,
        'error: --redis-url has an empty entry in its list of Redis node URLs; remove the extra comma.\n',
      ],
      [
        `redis://:hunter2@127.0.0.1:1,rediss://:hunter2@127.0.0.1:2`,
        'error: --redis-url: Redis Cluster node URL rediss://:***@127.0.0.1:2 differs from the first in scheme or credentials; one client serves every node, so give all of them the same.\n',
      ],
    ];
    for (const [url, message] of cases) {
      const result = await runCli(['run', 'qa', '--batch=lazy-parallel', '--redis-url', url], {
        cwd: dir,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(message);
    }
  });
});

describe('rediss:// and passwords in Redis URLs', () => {
  const security: RedisSecurity = { tls: true, password: 's3cret/+pw' };
  const tlsEnv = { NODE_EXTRA_CA_CERTS: TLS_CERT };
  let secured: RedisCluster;
  let single: RedisServer;

  beforeAll(async () => {
    secured = await RedisCluster.start(security);
    const port = await freePort();
    single = await RedisServer.start({ port, args: securityArgs(port, security) });
  }, 60_000);

  afterAll(async () => {
    await secured?.stop();
    await single?.stop();
  });

  const encoded = (url: string) => url.replace('s3cret/+pw', encodeURIComponent('s3cret/+pw'));

  it('runs over TLS with a password on a single node and on a cluster, never printing it', async () => {
    const targets: Record<string, unknown>[] = [
      { url: encoded(redisUrl(single.port, security)), prefix: 'e2e-tls' },
      { cluster: secured.urls.map(encoded), prefix: '{e2e-tls}' },
    ];
    for (const redis of targets) {
      const dir = await workspace(5, redis);
      await startWorker(dir, 'tls', tlsEnv);
      const result = await runCli(
        [
          'run',
          'qa',
          '--batch=lazy-parallel',
          '--queue=tls',
          '--concurrency=8',
          '--json',
          '--no-progress',
        ],
        { cwd: dir, env: tlsEnv },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(outputsOf(result.stdout)).toEqual(EXPECTED);
      const worker = background.at(-1);
      expect(worker?.output()).toContain(':***@127.0.0.1');
      expect(worker?.output()).not.toContain('s3cret');
    }
  });

  it('refuses a wrong password with exit 2 and no password in the message', async () => {
    const dir = await workspace(5, { cluster: secured.urls, prefix: '{e2e-tls}' });
    const wrong = `rediss://:nope@127.0.0.1:${single.port}`;
    const result = await runCli(['run', 'qa', '--batch=lazy-parallel', '--redis-url', wrong], {
      cwd: dir,
      env: tlsEnv,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(--redis-url\) refused the connection: WRONGPASS .*Check the user and password in the URL\.\n$/,
    );
    expect(result.stderr).not.toContain('nope');
  });
});
