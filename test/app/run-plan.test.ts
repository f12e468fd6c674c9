import { describe, expect, it } from 'vitest';
import { planRun, repeatOf, type RunRequest } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { main } from '../../src/cli/main.js';
import { makeWorkspace } from '../helpers/cli.js';

async function loaded(config: Record<string, unknown>) {
  const cwd = await makeWorkspace({ 'eval-harness.config.json': JSON.stringify(config) });
  return loadConfig({ cwd, env: {} });
}

const request = (fields: Partial<RunRequest>): RunRequest => ({
  cwd: '/nowhere',
  env: {},
  target: { kind: 'dataset', dataset: 'qa' },
  ...fields,
});

describe('planRun, the pure plan step', () => {
  it('resolves batch options from flags and profiles', async () => {
    const config = await loaded({ sut: { type: 'module', path: './sut.mjs' } });
    const plan = planRun(
      config,
      request({ batchFlags: { 'batch-profile': 'ci', dispatch: 'windowed' } }),
    );
    expect(plan.batch.profile?.name).toBe('ci');
    expect(plan.batch.options).toMatchObject({ mode: 'lazy-parallel', dispatch: 'windowed' });
    expect(plan.localWorkers).toBe(0);
    expect(plan.warnings).toEqual([]);
  });

  it('scores saved outputs serially and warns about the batch flags it ignores', async () => {
    const plan = planRun(
      await loaded({}),
      request({
        outputsPath: 'outputs.json',
        batchFlags: { batch: 'lazy-parallel', 'rate-limit': '5' },
      }),
    );
    expect(plan.batch.options.mode).toBe('serial');
    expect(plan.warnings).toEqual([
      'Ignoring batch flags --batch, --rate-limit: --outputs is set, and scoring saved outputs bypasses batch dispatch.',
    ]);
  });

  it('refuses what lazy-parallel cannot do, before anything runs', async () => {
    const withSut = await loaded({ sut: { type: 'module', path: './sut.mjs' } });
    const withoutSut = await loaded({});
    const lazy = { batch: 'lazy-parallel' } as const;
    expect(() => planRun(withSut, request({ batchFlags: lazy, sutModule: 'x.mjs' }))).toThrow(
      '--sut runs in-process only',
    );
    expect(() => planRun(withoutSut, request({ batchFlags: lazy }))).toThrow(
      'Lazy-parallel runs need the system under test in the config',
    );
    expect(() => planRun(withSut, request({ localWorkers: 2 }))).toThrow(
      '--local-workers requires --batch=lazy-parallel',
    );
    expect(() => planRun(withSut, request({ batchFlags: lazy, redisUrl: ' ' }))).toThrow(
      'The --redis-url option requires a non-empty URL.',
    );
  });

  it('checks the Redis target and the cluster prefix without connecting (so --dry-run does)', async () => {
    const sut = { type: 'module', path: './sut.mjs' };
    const lazy = { batch: 'lazy-parallel' } as const;
    const cluster = await loaded({ sut, redis: { cluster: ['redis://n1:7000'], prefix: 'evals' } });
    expect(() => planRun(cluster, request({ batchFlags: lazy }))).toThrow(
      "redis.prefix 'evals' has none; set redis.prefix to '{evals}'",
    );
    // Not a lazy-parallel run: Redis is never used, so it is not checked.
    expect(planRun(cluster, request({})).batch.options.mode).toBe('serial');
    const single = await loaded({ sut });
    expect(() =>
      planRun(single, request({ batchFlags: lazy, redisUrl: 'redis://a:1,redis://b:1' })),
    ).toThrow("redis.prefix 'eval-harness' has none; set redis.prefix to '{eval-harness}'");
    expect(() => planRun(single, request({ batchFlags: lazy, redisUrl: 'localhost' }))).toThrow(
      "--redis-url: 'localhost' is not a Redis URL",
    );
  });

  it('warns when the asked result TTL is below the configured floor', async () => {
    const plan = planRun(
      await loaded({ sut: { type: 'module', path: './sut.mjs' } }),
      request({
        batchFlags: { batch: 'lazy-parallel', 'result-ttl-seconds': '60' },
        localWorkers: 2,
      }),
    );
    expect(plan.localWorkers).toBe(2);
    expect(plan.warnings).toEqual([
      'result TTL 60 s is below the configured floor of 3600 s (batches.lazyParallel.resultTtlSeconds); results are kept for at least the floor.',
    ]);
  });
});

describe('the run rules the plan owns, for the CLI and the library alike', () => {
  it("takes the budget from the request, else the profile's maxCostUsd; null clears it", async () => {
    const config = await loaded({
      sut: { type: 'module', path: './sut.mjs' },
      batches: { profiles: { capped: { mode: 'concurrent', concurrency: 4, maxCostUsd: 3 } } },
    });
    const capped = { 'batch-profile': 'capped' };
    expect(planRun(config, request({ batchFlags: capped })).maxCostUsd).toBe(3);
    expect(planRun(config, request({ batchFlags: capped, maxCostUsd: 1.5 })).maxCostUsd).toBe(1.5);
    expect(planRun(config, request({ batchFlags: capped, maxCostUsd: null })).maxCostUsd).toBe(
      undefined,
    );
    // Saved outputs call nothing, so a profile's budget does not apply and an asked one is refused.
    expect(
      planRun(config, request({ batchFlags: capped, outputsPath: 'o.json' })).maxCostUsd,
    ).toBeUndefined();
    expect(() => planRun(config, request({ outputsPath: 'o.json', maxCostUsd: 2 }))).toThrow(
      '--max-cost stops a run that calls the SUT',
    );
    expect(() => planRun(config, request({ maxCostUsd: -1 }))).toThrow(
      'The --max-cost option must be a positive amount of USD',
    );
  });

  it('repeats a sample as the request says, else as the config dataset says, else once', async () => {
    const config = await loaded({
      sut: { type: 'module', path: './sut.mjs' },
      datasets: { qa: { path: 'qa.yml', repeat: 3 }, other: { path: 'other.yml' } },
    });
    expect(repeatOf(config, request({}), 'qa')).toBe(3);
    expect(repeatOf(config, request({ repeat: 2 }), 'qa')).toBe(2);
    expect(repeatOf(config, request({}), 'other')).toBe(1);
  });
});

describe('from argv to the plan, in-process through main(argv, io)', () => {
  async function planOf(flags: string[]) {
    const cwd = await makeWorkspace({
      'qa.yml': 'name: qa\nsamples:\n  - { id: s1, input: { q: 1 }, expected_output: one }\n',
      'sut.mjs': 'export default () => { throw new Error("the SUT was called"); };\n',
      'eval-harness.config.json': JSON.stringify({
        datasets: { qa: { path: 'qa.yml', metrics: ['exact-match'] } },
        sut: { type: 'module', path: './sut.mjs' },
        batches: { profiles: { wide: { mode: 'concurrent', concurrency: 16 } } },
      }),
    });
    let stdout = '';
    let stderr = '';
    const code = await main(['run', 'qa', '--dry-run', '--json', ...flags], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: {},
      cwd,
    });
    return { code, stdout, stderr };
  }

  it('turns profile and flags into batch options, typed flags winning over the profile', async () => {
    const { code, stdout, stderr } = await planOf(['--batch-profile=wide', '--chunk-size=4']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      profile: 'wide',
      batch: { mode: 'concurrent', concurrency: 16, chunkSize: 4, effectiveChunkSize: 4 },
    });
  });

  it('refuses a bad flag with exit 2 and one line naming it, before anything runs', async () => {
    const { code, stdout, stderr } = await planOf(['--concurrency=zero']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('--concurrency');
  });
});
