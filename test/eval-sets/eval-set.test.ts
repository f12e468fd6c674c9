import { describe, expect, it } from 'vitest';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import {
  EvalSetManifest,
  createEvalSet,
  evalSetFromJson,
  evalSetToJson,
  runEvalSet,
} from '../../src/eval-sets/index.js';
import { EvalRunError } from '../../src/errors.js';
import { createEvalReport, type EvalReport } from '../../src/reports/index.js';
import { FakeClock } from '../helpers/fake-clock.js';

const report = (dataset: string, startedAt: number, finishedAt: number): EvalReport =>
  createEvalReport({
    datasetName: dataset,
    startedAt,
    finishedAt,
    sampleResults: [],
    failures: [],
  });

describe('EvalSetDefinition', () => {
  it('keeps names verbatim and round-trips through JSON', () => {
    const definition = createEvalSet('nightly', ['rag.first', '01', '1']);
    expect(evalSetToJson(definition)).toEqual({
      schema_version: 'eval-harness.eval-set.v1',
      name: 'nightly',
      datasets: ['rag.first', '01', '1'],
    });
    expect(evalSetFromJson(evalSetToJson(definition))).toEqual(definition);
  });

  it('rejects bad definitions', () => {
    expect(() => createEvalSet('n', { 1: 'rag.first' })).toThrow('zero-based list');
    expect(() => createEvalSet('n', ['rag.first', 'rag.first'])).toThrow(
      "duplicate dataset 'rag.first'",
    );
    expect(() => createEvalSet('n', [' rag.second '])).toThrow(
      'without leading or trailing whitespace',
    );
    expect(() => createEvalSet('n', [42])).toThrow('must be a string');
    expect(() => createEvalSet(' nightly ', ['a'])).toThrow(
      'without leading or trailing whitespace',
    );
    expect(() => createEvalSet('n', [])).toThrow('at least one dataset');
    expect(() => evalSetFromJson({ name: 'n' })).toThrow(
      'requires schema_version, name, and datasets fields',
    );
  });
});

describe('EvalSetManifest', () => {
  const definition = createEvalSet('nightly', ['rag.first', 'rag.second']);

  it('records a run and round-trips through JSON', () => {
    const manifest = EvalSetManifest.start(definition, 10)
      .markRunning('rag.first', 10.5)
      .markCompleted('rag.first', report('rag.first', 10, 12.5))
      .markRunning('rag.second', 13)
      .markFailed('rag.second', 'boom', 14);
    expect(manifest.completedDatasetNames()).toEqual(['rag.first']);
    expect(manifest.failedDatasetNames()).toEqual(['rag.second']);
    expect(manifest.isComplete()).toBe(false);
    const json = manifest.toJson() as {
      schema_version: string;
      eval_set: string;
      datasets: Record<string, unknown>[];
    };
    expect(json.schema_version).toBe('eval-harness.eval-set-manifest.v1');
    expect(json.eval_set).toBe('nightly');
    expect(json.datasets[0]).toMatchObject({
      finished_at: 12.5,
      duration_seconds: 2.5,
      report_schema_version: 'eval-harness.report.v1',
    });
    expect(json.datasets[1]?.['error']).toBe('boom');
    expect(EvalSetManifest.fromJson(JSON.parse(JSON.stringify(json))).toJson()).toEqual(json);
  });

  it('enforces its invariants', () => {
    const reversed = createEvalSet('nightly', ['rag.second', 'rag.first']);
    expect(() => EvalSetManifest.start(definition, 1).assertMatches(reversed)).toThrow(
      'dataset order',
    );
    const running = EvalSetManifest.start(definition, 1).markRunning('rag.first', 1);
    expect(() => running.markCompleted('rag.first', report('rag.second', 1, 2))).toThrow(
      "cannot be completed with report for dataset 'rag.second'",
    );
    const base = EvalSetManifest.start(definition, 1).toJson() as {
      datasets: Record<string, unknown>[];
    };
    const withEntry = (index: number, entry: Record<string, unknown>, updatedAt = 10) => {
      const datasets = base.datasets.map((d, i) => (i === index ? { ...d, ...entry } : d));
      return () => EvalSetManifest.fromJson({ ...base, updated_at: updatedAt, datasets });
    };
    expect(withEntry(0, { status: 'completed' })).toThrow(
      'completed status requires report summary fields',
    );
    expect(
      withEntry(1, {
        status: 'completed',
        started_at: 1,
        finished_at: 2,
        duration_seconds: 1,
        report_schema_version: 'v',
        total_samples: 1,
        total_failures: 0,
      }),
    ).toThrow(
      "cannot mark dataset 'rag.second' as 'completed' after dataset 'rag.first' is 'pending'",
    );
    expect(
      withEntry(0, {
        status: 'failed',
        started_at: 5,
        finished_at: 4,
        duration_seconds: 1,
        error: 'x',
      }),
    ).toThrow('finished_at cannot be earlier than started_at');
    expect(
      withEntry(0, {
        status: 'failed',
        started_at: 4,
        finished_at: 6,
        duration_seconds: 3,
        error: 'x',
      }),
    ).toThrow('duration_seconds must match finished_at minus started_at');
    expect(
      withEntry(
        0,
        { status: 'failed', started_at: 1, finished_at: 4, duration_seconds: 3, error: 'x' },
        3,
      ),
    ).toThrow("updated_at cannot be earlier than dataset 'rag.first' finished_at");
  });

  it('distinguishes exact names and terminal states', () => {
    const exact = EvalSetManifest.start(createEvalSet('n', ['1', '01']), 0);
    expect(exact.entryFor('01')?.dataset).toBe('01');
    expect(exact.entryFor('1 ')).toBeNull();
    const completed = exact.markRunning('1', 0).markCompleted('1', report('1', 0, 1));
    expect(() => completed.markRunning('1', 2)).toThrow('terminal status');
    expect(
      EvalSetManifest.start(definition, 0)
        .markRunning('rag.first', 1)
        .markRunning('rag.first', 5)
        .entryFor('rag.first')?.started_at,
    ).toBe(5);
    expect(() =>
      EvalSetManifest.fromJson({
        schema_version: 'eval-harness.eval-set-manifest.v1',
        eval_set: 'n',
        started_at: 0,
        updated_at: 0,
        datasets: [{ dataset: ' rag.first ', status: 'pending' }],
      }),
    ).toThrow('without leading or trailing whitespace');
  });

  it('turns failed entries back into pending for a retry', () => {
    const failed = EvalSetManifest.start(definition, 0)
      .markRunning('rag.first', 0)
      .markCompleted('rag.first', report('rag.first', 0, 1))
      .markRunning('rag.second', 1)
      .markFailed('rag.second', 'boom', 2);
    const retried = failed.resetFailed(3);
    expect(retried.entryFor('rag.second')?.status).toBe('pending');
    expect(retried.entryFor('rag.first')?.status).toBe('completed');
  });
});

describe('reading a manifest file', () => {
  const valid = {
    schema_version: 'eval-harness.eval-set-manifest.v1',
    eval_set: 'n',
    started_at: 0,
    updated_at: 1,
    datasets: [
      {
        dataset: 'a',
        status: 'completed',
        started_at: 0,
        finished_at: 1,
        duration_seconds: 1,
        report_schema_version: 'eval-harness.report.v1',
        total_samples: 2,
        total_failures: 0,
        error: null,
      },
      { dataset: 'b', status: 'pending' },
    ],
  };
  const entry = (patch: Record<string, unknown>) => ({
    ...valid,
    datasets: [{ ...valid.datasets[0], ...patch }, valid.datasets[1]],
  });

  it('reads a valid manifest, absent fields as null', () => {
    const manifest = EvalSetManifest.fromJson(valid);
    expect(manifest.entryFor('b')).toEqual({
      dataset: 'b',
      status: 'pending',
      started_at: null,
      finished_at: null,
      duration_seconds: null,
      report_schema_version: null,
      total_samples: null,
      total_failures: null,
      error: null,
    });
    expect(manifest.toJson()).toEqual(EvalSetManifest.fromJson(manifest.toJson()).toJson());
  });

  it.each([
    ['a list', [], 'Eval set manifest must be a JSON object.'],
    [
      'another schema version',
      { ...valid, schema_version: 'v0' },
      "Eval set manifest uses unsupported schema version 'v0'. Supported version: eval-harness.eval-set-manifest.v1.",
    ],
    [
      'a bad version and a bad name',
      { ...valid, schema_version: 2, eval_set: 3 },
      "Eval set manifest uses unsupported schema version '2'.",
    ],
    ['a numeric name', { ...valid, eval_set: 3 }, 'Eval set manifest eval_set must be a string.'],
    [
      'a text timestamp',
      { ...valid, updated_at: '1' },
      'Eval set manifest started_at and updated_at must be numbers.',
    ],
    [
      'datasets as a map',
      { ...valid, datasets: {} },
      'Eval set manifest datasets must be a list of objects.',
    ],
    [
      'a dataset entry that is not an object, after one with a bad field',
      { ...valid, datasets: [{ dataset: 1, status: 'pending' }, 'b'] },
      'Eval set manifest datasets must be a list of objects.',
    ],
    [
      'a numeric dataset name',
      entry({ dataset: 7 }),
      'Eval set manifest entry dataset must be a string.',
    ],
    [
      'an unknown status',
      entry({ status: 'done' }),
      "Eval set manifest entry 'a' has unsupported status 'done'.",
    ],
    [
      'a text count',
      entry({ total_samples: '2' }),
      "Eval set manifest entry 'a' total_samples must be a number or null.",
    ],
    [
      'a numeric error',
      entry({ error: 5 }),
      "Eval set manifest entry 'a' error must be a string or null.",
    ],
    [
      'a completed entry without its report fields',
      entry({ total_samples: null }),
      "Eval set manifest entry 'a' completed status requires report summary fields.",
    ],
  ])('rejects %s with the message naming the field', (_what, json, message) => {
    const read = () => EvalSetManifest.fromJson(json);
    expect(read).toThrow(EvalRunError);
    expect(read).toThrow(message);
  });
});

describe('runEvalSet', () => {
  function setup(names: string[]) {
    const engine = new EvalEngine();
    for (const name of names) {
      engine
        .dataset(name)
        .withSamples([
          createSample({
            id: name.replace('rag.', ''),
            input: { answer: 'ok' },
            expectedOutput: 'ok',
          }),
        ])
        .withMetrics(['exact-match'])
        .register();
    }
    return engine;
  }

  it('runs every dataset, persisting after each change', async () => {
    const engine = setup(['rag.first', 'rag.second']);
    const saved: string[] = [];
    const result = await runEvalSet({
      definition: createEvalSet('nightly', ['rag.first', 'rag.second']),
      clock: new FakeClock(),
      runDataset: (name) => engine.run(name, () => 'ok'),
      onManifest: (manifest) => void saved.push(manifest.entries.map((e) => e.status[0]).join('')),
    });
    expect(result.manifest.isComplete()).toBe(true);
    expect(result.reports.map((r) => r.datasetName)).toEqual(['rag.first', 'rag.second']);
    expect(saved).toEqual(['pp', 'rp', 'cp', 'cr', 'cc']);
  });

  it('resumes after completed datasets, even unregistered ones', async () => {
    const definition = createEvalSet('nightly', ['rag.first', 'rag.second']);
    const engine = setup(['rag.second']);
    const manifest = EvalSetManifest.start(definition, 0)
      .markRunning('rag.first', 0)
      .markCompleted('rag.first', report('rag.first', 0, 1));
    const calls: string[] = [];
    const result = await runEvalSet({
      definition,
      manifest,
      clock: new FakeClock(),
      runDataset: (name) => engine.run(name, ({ id }) => (calls.push(id), 'ok')),
    });
    expect(calls).toEqual(['second']);
    expect(result.manifest.isComplete()).toBe(true);
    expect(result.reports).toHaveLength(1);
  });

  it('records a failure and stops; a failed entry stops the next pass as is', async () => {
    const definition = createEvalSet('nightly', ['rag.first', 'rag.second', 'rag.third']);
    const engine = setup(['rag.first', 'rag.second', 'rag.third']);
    const calls: string[] = [];
    const run = (name: string) =>
      engine.run(name, ({ id }) => {
        calls.push(id);
        if (id === 'second') throw new Error('runner crashed');
        return 'ok';
      });
    const result = await runEvalSet({ definition, clock: new FakeClock(), runDataset: run });
    expect(calls).toEqual(['first', 'second']);
    expect(result.manifest.completedDatasetNames()).toEqual(['rag.first']);
    expect(result.manifest.failedDatasetNames()).toEqual(['rag.second']);
    expect(result.manifest.entryFor('rag.third')?.status).toBe('pending');
    expect(result.stoppedBy).toMatchObject({ dataset: 'rag.second', previously: false });
    expect(result.manifest.entryFor('rag.second')?.error).toContain('runner crashed');
    const again = await runEvalSet({
      definition,
      manifest: result.manifest,
      clock: new FakeClock(),
      runDataset: run,
    });
    expect(calls).toHaveLength(2);
    expect(again.stoppedBy).toMatchObject({ dataset: 'rag.second', previously: true });
  });

  it('throws setup errors instead of recording them', async () => {
    const engine = setup(['rag.first']);
    const definition = createEvalSet('nightly', ['rag.first', 'rag.missing']);
    const saved: EvalSetManifest[] = [];
    await expect(
      runEvalSet({
        definition,
        clock: new FakeClock(),
        runDataset: async (name) => {
          if (name === 'rag.missing')
            throw new EvalRunError(`Dataset '${name}' is not registered.`);
          return engine.run(name, () => 'ok');
        },
        onManifest: (m) => void saved.push(m),
      }),
    ).rejects.toThrow("Dataset 'rag.missing' is not registered");
    expect(saved.at(-1)?.entryFor('rag.missing')?.status).toBe('running');
  });
});
