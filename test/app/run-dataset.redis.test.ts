// The application layer as a library user calls it: a config on disk, a dataset it names, and
// runDataset() in each mode. Lazy-parallel needs a real Redis (with in-process worker slots).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EvalEngine,
  createBatchOptions,
  createMetricRegistry,
  loadConfig,
  prepareDataset,
  resolveRunner,
  runDataset,
  startWorker,
} from '../../src/index.js';
import type { BatchOptionsInput } from '../../src/batches/index.js';
import { makeWorkspace, numberedDatasetYaml } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server.stop();
});

const DATASET = numberedDatasetYaml('qa', 6);

async function workspace() {
  return makeWorkspace({
    'qa.yml': DATASET,
    'sut.mjs': `export default async ({ input }) => (input.n === 5 ? 'wrong' : 'answer ' + input.n);\n`,
    'eval-harness.config.json': JSON.stringify({
      datasets: { qa: { path: 'qa.yml', metrics: ['exact-match'] } },
      sut: { type: 'module', path: './sut.mjs' },
      redis: { url: server.url, prefix: 'app-test' },
    }),
  });
}

async function runIn(batch: BatchOptionsInput, localWorkers = 0) {
  const cwd = await workspace();
  const loaded = await loadConfig({ cwd, env: {} });
  const engine = new EvalEngine({ metrics: createMetricRegistry(loaded) });
  const dataset = await prepareDataset(engine, loaded, { dataset: 'qa', metricFlags: [], cwd });
  const runner = await resolveRunner(loaded, undefined, cwd);
  const checkpoints: number[] = [];
  const outcome = await runDataset(
    {
      loaded,
      engine,
      batch: createBatchOptions(batch),
      gates: [{ metric: 'exact-match', aggregate: 'mean', threshold: 0.9 }],
      localWorkers,
    },
    { dataset, source: { kind: 'sut', runner } },
    { progress: { reportCheckpoint: (_batch, completed) => void checkpoints.push(completed) } },
  );
  return { outcome, checkpoints };
}

describe('runDataset, the application layer', () => {
  it.each([
    ['serial', { mode: 'serial' }, 0],
    ['concurrent', { mode: 'concurrent', concurrency: 3, checkpointEvery: 3 }, 0],
    [
      'lazy-parallel with local workers',
      { mode: 'lazy-parallel', concurrency: 3, checkpointEvery: 3 },
      2,
    ],
  ] as const)('runs a config dataset %s and applies its gates', async (_mode, batch, workers) => {
    const { outcome, checkpoints } = await runIn(batch, workers);
    expect([...outcome.report.sampleResults].map((r) => r.actualOutput)).toEqual([
      'answer 0',
      'answer 1',
      'answer 2',
      'answer 3',
      'answer 4',
      'wrong',
    ]);
    expect(outcome.summary.metrics['exact-match']?.mean).toBeCloseTo(5 / 6, 9);
    expect(outcome.gates).toEqual([expect.objectContaining({ passed: false })]);
    expect(checkpoints).toEqual(batch.mode === 'serial' ? [] : [3, 6]);
  });

  it('runs lazy-parallel against a worker started with startWorker()', async () => {
    const cwd = await workspace();
    const loaded = await loadConfig({ cwd, env: {} });
    const worker = await startWorker(loaded, { queue: 'app-worker', concurrency: 3 });
    try {
      expect(worker.queueName).toBe('app-worker');
      const engine = new EvalEngine({ metrics: createMetricRegistry(loaded) });
      const dataset = await prepareDataset(engine, loaded, { dataset: 'qa', metricFlags: [], cwd });
      const { report } = await runDataset(
        {
          loaded,
          engine,
          batch: createBatchOptions({ mode: 'lazy-parallel', concurrency: 3, queue: 'app-worker' }),
          gates: [],
          localWorkers: 0,
        },
        { dataset, source: { kind: 'sut', runner: await resolveRunner(loaded, undefined, cwd) } },
      );
      expect([...report.sampleResults].map((r) => r.actualOutput).at(-1)).toBe('wrong');
    } finally {
      await worker.stop();
    }
  });

  it('refuses to start a worker without a SUT in the config', async () => {
    const cwd = await makeWorkspace({ 'eval-harness.config.json': '{}' });
    const loaded = await loadConfig({ cwd, env: {} });
    await expect(startWorker(loaded, { concurrency: 1 })).rejects.toThrow(
      'The worker needs a system under test in its config',
    );
  });
});
