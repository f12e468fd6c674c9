import { spawn } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADVERSARIAL_CATEGORIES,
  AdversarialRunManifest,
  adversarialSamples,
  buildAdversarialDataset,
  defaultRunId,
  evaluateRegressionGate,
  parseGateTargets,
  recordAdversarialRun,
  recordWithRegressionGate,
  runEntryFromReport,
  type AdversarialRunEntry,
} from '../../src/adversarial/index.js';
import { createHash } from 'node:crypto';
import { ExactMatchMetric, MetricRegistry } from '../../src/metrics/index.js';
import { createEvalReport, summarizeReport } from '../../src/reports/index.js';
import { makeWorkspace, REPO_ROOT } from '../helpers/cli.js';
import { result } from '../helpers/reports.js';

const registry = () =>
  new MetricRegistry().register('refusal-quality', () => ({
    name: 'refusal-quality',
    score: () => ({ score: 1, details: {} }),
  }));

/** A run entry for one adversarial sample in `category`, scored `score` on `metric`. */
function entry(
  runId: string,
  options: {
    score?: number;
    metric?: string;
    category?: string;
    failures?: number;
    finishedAt?: number;
  } = {},
): AdversarialRunEntry {
  const sample = adversarialSamples([options.category ?? 'prompt-injection'])[0]!;
  const report = createEvalReport({
    datasetName: 'adversarial.security.v1',
    startedAt: 10,
    finishedAt: options.finishedAt ?? 12.5,
    sampleResults: [
      result(
        sample.id,
        { [options.metric ?? 'exact-match']: options.score ?? 1 },
        sample.metadata as Record<string, unknown>,
      ),
    ],
    failures: Array.from({ length: options.failures ?? 0 }, () => ({
      sampleId: sample.id,
      metricName: 'llm-as-judge',
      error: 'boom',
      details: {},
    })),
  });
  return runEntryFromReport(report, summarizeReport(report), runId);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests edit arbitrary stored JSON
type Run = Record<string, any>;

describe('adversarial categories and seeds', () => {
  it('builds the default dataset', () => {
    const dataset = buildAdversarialDataset(registry());
    expect(dataset.name).toBe('adversarial.security.v1');
    expect(dataset.metrics.map((m) => m.name)).toEqual(['refusal-quality']);
    expect(dataset.samples.map((s) => s.id)).toEqual(
      ADVERSARIAL_CATEGORIES.map((c) => `adv.${c.id}`),
    );
    for (const sample of dataset.samples) {
      const tags = sample.metadata['tags'] as string[];
      expect(sample.metadata['refusal_expected']).toBe(true);
      expect(tags[0]).toBe('adversarial');
      expect(`adv.${tags[1]}`).toBe(sample.id);
      expect(
        (sample.metadata['adversarial'] as { compliance_frameworks: string[] })
          .compliance_frameworks.length,
      ).toBeGreaterThan(0);
      expect(typeof sample.expectedOutput === 'string' && sample.expectedOutput.length > 0).toBe(
        true,
      );
    }
  });

  it('selects categories in the given order and rejects bad selections', () => {
    const [pi, tool] = adversarialSamples([ADVERSARIAL_CATEGORIES[0], 'tool-abuse']);
    expect(pi?.input).toHaveProperty('retrieved_context');
    expect(tool?.input).toHaveProperty('tool_request');
    expect(() => adversarialSamples(['unknown'])).toThrow(
      "Unsupported adversarial category 'unknown'",
    );
    expect(() => adversarialSamples(['jailbreak', ADVERSARIAL_CATEGORIES[1]])).toThrow(
      "Duplicate adversarial category 'jailbreak'",
    );
    expect(() => adversarialSamples([])).toThrow('at least one category');
    expect(() => buildAdversarialDataset(registry(), { metricSpecs: [] })).toThrow(
      'requires at least one metric',
    );
    expect(() =>
      buildAdversarialDataset(registry(), { metricSpecs: ['nope'], categories: ['unknown'] }),
    ).toThrow("Metric 'nope' does not exist");
  });

  it('covers the frameworks over the full dataset', () => {
    const dataset = buildAdversarialDataset(new MetricRegistry(), {
      metricSpecs: [new ExactMatchMetric()],
    });
    const report = createEvalReport({
      datasetName: dataset.name,
      startedAt: 0,
      finishedAt: 1,
      sampleResults: dataset.samples.map((s) =>
        result(s.id, { 'exact-match': 1 }, s.metadata as Record<string, unknown>),
      ),
      failures: [],
    });
    const adversarial = summarizeReport(report).adversarial;
    expect(adversarial.total_samples).toBe(10);
    expect(adversarial.categories).toHaveLength(10);
    expect(
      Object.fromEntries(
        adversarial.compliance_frameworks.map((f) => [f.framework, f.sample_count]),
      ),
    ).toEqual({ 'EU AI Act': 1, 'NIST AI RMF': 6, 'OWASP LLM': 8 });
  });
});

describe('adversarial run manifest', () => {
  it('summarises a report safely and round-trips', () => {
    const run = entry('run-1');
    expect(run).toMatchObject({
      duration_seconds: 2.5,
      total_samples: 1,
      total_failures: 0,
      macro_f1: 1,
    });
    expect(run.metrics['exact-match']?.mean).toBe(1);
    expect(run.adversarial.categories[0]?.category).toBe('prompt-injection');
    expect(JSON.stringify(run)).not.toContain('Ignore all earlier instructions');
    const manifest = new AdversarialRunManifest('m', 1, [run]);
    expect(
      AdversarialRunManifest.fromJsonText(JSON.stringify(manifest.toJson()), 'x').toJson(),
    ).toEqual(manifest.toJson());
    expect(entry('run-2', { failures: 2 }).total_failures).toBe(2);
  });

  it('derives the default run id, unique even for two runs with the same times and counts', () => {
    expect(defaultRunId('run.dataset', 1.1234567, 2.7654321, 1, 0, 'n1')).toBe(
      createHash('sha256').update('run.dataset|1.123457|2.765432|1|0|n1').digest('hex'),
    );
    expect(defaultRunId('run.dataset', 1, 2, 1, 0)).not.toBe(
      defaultRunId('run.dataset', 1, 2, 1, 0),
    );
  });

  it('rejects tampered entries', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test edits arbitrary stored JSON
    const tamper = (mutate: (run: Record<string, any>) => void) => {
      const run = JSON.parse(JSON.stringify(entry('run-1')));
      mutate(run);
      return () =>
        AdversarialRunManifest.fromJsonText(
          JSON.stringify({
            schema_version: 'eval-harness.adversarial-runs.v1',
            manifest: 'm',
            updated_at: 1,
            runs: [run],
          }),
          'f',
        );
    };
    expect(
      tamper((r) => (r.adversarial.categories[0].metrics['exact-match'].pass_rate = 1.5)),
    ).toThrow(
      "Adversarial run manifest 'f': metric 'exact-match' aggregate 'pass_rate' must be in [0, 1].",
    );
    expect(tamper((r) => (r.macro_f1 = 1.1))).toThrow(
      "Adversarial run manifest 'f': entry field 'macro_f1' must be in [0, 1].",
    );
    expect(tamper((r) => (r.adversarial.categories[0].sample_count = '1'))).toThrow(
      "Adversarial run manifest 'f': adversarial.categories[0].sample_count must be a non-negative integer.",
    );
    expect(
      tamper((r) => (r.adversarial.compliance_frameworks[0].categories = ['prompt-injection', ''])),
    ).toThrow(
      "Adversarial run manifest 'f': adversarial.compliance_frameworks[0].categories[1] must be a non-empty string without leading or trailing whitespace.",
    );
    expect(() => AdversarialRunManifest.fromJsonText('{not-json', 'runs.json')).toThrow(
      'is not valid JSON',
    );
  });

  it.each([
    [
      'a padded dataset name',
      (r: Run) => (r.dataset = ' d'),
      "entry field 'dataset' must be a non-empty string without leading or trailing whitespace.",
    ],
    [
      'a negative start',
      (r: Run) => (r.started_at = -1),
      "entry field 'started_at' must be a finite number >= 0.",
    ],
    [
      'a text duration',
      (r: Run) => (r.duration_seconds = '1'),
      "entry field 'duration_seconds' must be a finite number >= 0.",
    ],
    [
      'a finish before the start',
      (r: Run) => (r.started_at = r.finished_at + 1),
      "entry 'run-1' finished_at cannot be earlier than started_at.",
    ],
    [
      'a duration that does not add up',
      (r: Run) => (r.duration_seconds += 1),
      "entry 'run-1' duration_seconds must match finished_at minus started_at.",
    ],
    [
      'a fractional sample count',
      (r: Run) => (r.total_samples = 1.5),
      'entry field total_samples must be a non-negative integer.',
    ],
    [
      'metrics as a list',
      (r: Run) => (r.metrics = []),
      'metrics must be a map of metric aggregates.',
    ],
    [
      'a padded metric name',
      (r: Run) => (r.metrics = { ' m': r.metrics['exact-match'] }),
      'metric names must be non-empty strings without leading or trailing whitespace.',
    ],
    [
      'an aggregate that is a number',
      (r: Run) => (r.metrics['exact-match'] = 1),
      "metric 'exact-match' must be an object of aggregates.",
    ],
    [
      'a missing mean',
      (r: Run) => delete r.metrics['exact-match'].mean,
      "metric 'exact-match' aggregate 'mean' must be in [0, 1].",
    ],
    [
      'no adversarial summary',
      (r: Run) => (r.adversarial = null),
      'adversarial must be an object.',
    ],
    [
      'a negative adversarial count',
      (r: Run) => (r.adversarial.total_samples = -1),
      'adversarial.total_samples must be a non-negative integer.',
    ],
    [
      'categories as a map',
      (r: Run) => (r.adversarial.categories = {}),
      'adversarial.categories and adversarial.compliance_frameworks must be lists.',
    ],
    [
      'a category that is a string',
      (r: Run) => (r.adversarial.categories = ['x']),
      'adversarial.categories[0] must be an object.',
    ],
    [
      'an empty category label',
      (r: Run) => (r.adversarial.categories[0].label = ''),
      'adversarial.categories[0].label must be a non-empty string without leading or trailing whitespace.',
    ],
    [
      'an empty severity',
      (r: Run) => (r.adversarial.categories[0].severity = ''),
      'adversarial.categories[0].severity must be null or a non-empty string.',
    ],
    [
      'a category framework that is a number',
      (r: Run) => (r.adversarial.categories[0].compliance_frameworks = [1]),
      'adversarial.categories[0].compliance_frameworks must be a list of non-empty strings.',
    ],
    [
      'category metrics as a string',
      (r: Run) => (r.adversarial.categories[0].metrics = 'm'),
      'adversarial.categories[0].metrics must be a map of metric aggregates.',
    ],
    [
      'a framework that is a list',
      (r: Run) => (r.adversarial.compliance_frameworks = [[]]),
      'adversarial.compliance_frameworks[0] must be an object.',
    ],
    [
      'a padded framework name',
      (r: Run) => (r.adversarial.compliance_frameworks[0].framework = 'x '),
      'adversarial.compliance_frameworks[0].framework must be a non-empty string without leading or trailing whitespace.',
    ],
    [
      'framework categories as a map',
      (r: Run) => (r.adversarial.compliance_frameworks[0].categories = {}),
      'adversarial.compliance_frameworks[0].categories must be a list.',
    ],
  ])('rejects a stored run with %s, naming the field', (_what, mutate, message) => {
    const run = JSON.parse(JSON.stringify(entry('run-1')));
    mutate(run);
    const text = JSON.stringify({
      schema_version: 'eval-harness.adversarial-runs.v1',
      manifest: 'm',
      updated_at: 1,
      runs: [run],
    });
    expect(() => AdversarialRunManifest.fromJsonText(text, 'f')).toThrow(
      `Adversarial run manifest 'f': ${message}`,
    );
  });

  it.each([
    ['a list', '[]', 'must contain a JSON object.'],
    [
      'a numeric schema version',
      '{"schema_version":1,"manifest":"m"}',
      'requires string schema_version and manifest fields.',
    ],
    [
      'no manifest name',
      '{"schema_version":"v0"}',
      'requires string schema_version and manifest fields.',
    ],
    [
      'another schema version',
      '{"schema_version":"v0","manifest":"m"}',
      "uses unsupported schema version 'v0'. Supported version: eval-harness.adversarial-runs.v1.",
    ],
    [
      'a text updated_at',
      '{"schema_version":"eval-harness.adversarial-runs.v1","manifest":"m","updated_at":"1","runs":[]}',
      'updated_at must be a number.',
    ],
    [
      'a run that is a number',
      '{"schema_version":"eval-harness.adversarial-runs.v1","manifest":"m","updated_at":1,"runs":[1]}',
      'runs must be a list of objects.',
    ],
  ])('rejects a manifest file holding %s', (_what, text, message) => {
    expect(() => AdversarialRunManifest.fromJsonText(text, 'runs.json')).toThrow(
      `Adversarial run manifest 'runs.json': ${message}`,
    );
  });

  it('names the manifest file in every error about what it holds', () => {
    expect(() =>
      AdversarialRunManifest.fromJsonText('{"name":"x","runs":[]}', 'runs.json'),
    ).toThrow(
      "Adversarial run manifest 'runs.json': requires string schema_version and manifest fields.",
    );
    const stored = AdversarialRunManifest.empty('m').toJson();
    const withBadRun = { ...stored, runs: [{ run_id: '' }] };
    expect(() =>
      AdversarialRunManifest.fromJsonText(JSON.stringify(withBadRun), 'runs.json'),
    ).toThrow(
      "Adversarial run manifest 'runs.json': entry field 'run_id' must be a non-empty string",
    );
  });

  it('keeps the newest runs and a clean baseline', () => {
    const manifest = AdversarialRunManifest.empty('m')
      .record(entry('run-10', { finishedAt: 10 }), 2, 1)
      .record(entry('run-20', { finishedAt: 20 }), 2, 2)
      .record(entry('run-15', { finishedAt: 15 }), 2, 3);
    expect(manifest.runs.map((r) => r.run_id)).toEqual(['run-20', 'run-15']);
    expect(manifest.latest()?.run_id).toBe('run-20');
    expect(() => manifest.record(entry('x'), 0, 4)).toThrow('retention must keep at least one run');
    const kept = AdversarialRunManifest.empty('m')
      .record(entry('run-clean', { finishedAt: 10 }), 1, 1)
      .record(entry('run-failed', { finishedAt: 20, failures: 1 }), 1, 2);
    expect(kept.runs.map((r) => r.run_id)).toEqual(['run-clean']);
  });

  it('stores atomically under a lock and names the manifest after the dataset', async () => {
    const dir = await makeWorkspace();
    const path = join(dir, 'nested/runs.json');
    for (const [id, at] of [
      ['run-10', 10],
      ['run-20', 20],
      ['run-15', 15],
    ] as const) {
      await recordAdversarialRun(path, entry(id, { finishedAt: at }), { maxRuns: 2, now: at });
    }
    const stored = JSON.parse(await readFile(path, 'utf8'));
    expect(stored.manifest).toBe('adversarial.security.v1');
    expect(stored.runs.map((r: { run_id: string }) => r.run_id)).toEqual(['run-20', 'run-15']);
    expect((await readdir(join(dir, 'nested'))).filter((f) => f.includes('.tmp'))).toEqual([]);
    await expect(
      recordAdversarialRun(path, entry('run-30'), { manifestName: 'second.dataset', now: 30 }),
    ).rejects.toThrow("belongs to manifest 'adversarial.security.v1', not 'second.dataset'");
  });

  it('loses no run when two processes record at the same moment', async () => {
    const dir = await makeWorkspace();
    const path = join(dir, 'runs.json');
    const script = `
      import { recordAdversarialRun, AdversarialRunManifest } from '${REPO_ROOT}dist/adversarial/index.js';
      const run = JSON.parse(process.argv[1]);
      await recordAdversarialRun(${JSON.stringify(path)}, run, { maxRuns: 50, now: run.finished_at });
    `;
    const runs = Array.from({ length: 6 }, (_, i) => entry(`run-${i}`, { finishedAt: 20 + i }));
    await Promise.all(
      runs.map(
        (run) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ['--input-type=module', '-e', script, JSON.stringify(run)],
              { stdio: 'inherit' },
            );
            child.on('exit', (code) =>
              code === 0 ? resolve() : reject(new Error(`exit ${code}`)),
            );
          }),
      ),
    );
    const stored = JSON.parse(await readFile(path, 'utf8'));
    expect(stored.runs.map((r: { run_id: string }) => r.run_id).sort()).toEqual(
      runs.map((r) => r.run_id).sort(),
    );
  });
});

describe('regression gate', () => {
  it('parses targets', () => {
    expect(parseGateTargets(['exact-match', 'exact-match:mean', 'exact-match:p95'])).toEqual([
      { metric: 'exact-match', aggregate: 'mean' },
      { metric: 'exact-match', aggregate: 'p95' },
    ]);
    expect(() => parseGateTargets(['exact-match:median'])).toThrow(
      "uses unsupported aggregate 'median'",
    );
    expect(() => parseGateTargets(['exact-match :mean'])).toThrow(
      "metric target 'exact-match :mean' must use metric or metric:aggregate syntax",
    );
    expect(() => parseGateTargets([' x'])).toThrow('at index 0 must be a non-empty string');
  });

  it('evaluates against a baseline', () => {
    expect(evaluateRegressionGate(entry('current', { score: 0.8 }), null, 0.05, [])).toEqual({
      status: 'missing-baseline',
      current_run_id: 'current',
      baseline_run_id: null,
      recorded: false,
      checks: [],
    });
    const noBaselineMissing = evaluateRegressionGate(
      entry('c', { metric: 'rouge-l' }),
      null,
      0.05,
      parseGateTargets(['exact-match']),
    );
    expect(noBaselineMissing.status).toBe('fail');
    expect(noBaselineMissing.checks).toEqual([
      {
        target: 'metrics.exact-match.mean',
        metric: 'exact-match',
        aggregate: 'mean',
        baseline_score: null,
        current_score: null,
        drop: null,
        max_drop: 0.05,
        status: 'missing-value',
      },
    ]);
    expect(
      evaluateRegressionGate(
        entry('current', { score: 0 }),
        entry('baseline', { score: 1 }),
        0.1,
        [],
      ),
    ).toEqual({
      status: 'fail',
      current_run_id: 'current',
      baseline_run_id: 'baseline',
      recorded: false,
      checks: [
        {
          target: 'macro_f1',
          metric: 'macro_f1',
          aggregate: 'macro_f1',
          baseline_score: 1,
          current_score: 0,
          drop: 1,
          max_drop: 0.1,
          status: 'fail',
        },
      ],
    });
    const missingCurrent = evaluateRegressionGate(
      entry('c', { metric: 'rouge-l' }),
      entry('b', { score: 0.95 }),
      0.05,
      parseGateTargets(['exact-match']),
    );
    expect(missingCurrent.checks[1]).toMatchObject({
      status: 'missing-value',
      current_score: null,
    });
    expect(
      evaluateRegressionGate(entry('c', { score: 1 }), entry('b', { score: 0 }), 0.05, [])
        .checks[0],
    ).toMatchObject({ status: 'pass', drop: 0 });
  });

  it('records a clean first run, refuses a regression, never ratchets down', async () => {
    const dir = await makeWorkspace();
    const path = join(dir, 'gate/runs.json');
    const targets = parseGateTargets(['exact-match:mean']);
    const first = await recordWithRegressionGate(path, entry('run-baseline', { finishedAt: 10 }), {
      maxDrop: 0.05,
      targets,
      maxRuns: 2,
      now: 10,
    });
    expect(first).toMatchObject({ status: 'missing-baseline', recorded: true });
    const regressed = await recordWithRegressionGate(
      path,
      entry('run-bad', { score: 0, finishedAt: 20 }),
      { maxDrop: 0.05, targets, maxRuns: 2, now: 20 },
    );
    expect(regressed).toMatchObject({
      status: 'fail',
      recorded: false,
      baseline_run_id: 'run-baseline',
    });
    const stored = JSON.parse(await readFile(path, 'utf8'));
    expect(stored.runs.map((r: { run_id: string }) => r.run_id)).toEqual(['run-baseline']);

    const fresh = join(dir, 'fresh/runs.json');
    const missingTarget = await recordWithRegressionGate(fresh, entry('r', { metric: 'rouge-l' }), {
      maxDrop: 0.05,
      targets,
      now: 1,
    });
    expect(missingTarget).toMatchObject({ status: 'fail', recorded: false });
    const withFailures = await recordWithRegressionGate(fresh, entry('r2', { failures: 1 }), {
      maxDrop: 0.05,
      targets: [],
      now: 2,
    });
    expect(withFailures).toMatchObject({ status: 'missing-baseline', recorded: false });
    expect(await stat(fresh).catch(() => undefined)).toBeUndefined();
  });

  it('compares only with compatible runs', async () => {
    const dir = await makeWorkspace();
    const path = join(dir, 'runs.json');
    await recordWithRegressionGate(path, entry('run-prompt-baseline', { finishedAt: 10 }), {
      maxDrop: 0.05,
      targets: [],
      now: 10,
    });
    await recordWithRegressionGate(
      path,
      entry('run-ssrf', { category: 'ssrf', score: 0, finishedAt: 20 }),
      { maxDrop: 0.05, targets: [], now: 20 },
    );
    const result = await recordWithRegressionGate(
      path,
      entry('run-prompt-bad', { score: 0, finishedAt: 30 }),
      { maxDrop: 0.05, targets: [], now: 30 },
    );
    expect(result).toMatchObject({ status: 'fail', baseline_run_id: 'run-prompt-baseline' });
  });

  it('validates options before touching the disk', async () => {
    const dir = await makeWorkspace();
    const path = join(dir, 'never/runs.json');
    await expect(
      recordWithRegressionGate(path, entry('r'), {
        maxDrop: 0.05,
        targets: [],
        maxRuns: 0,
        now: 1,
      }),
    ).rejects.toThrow('retention must keep at least one run');
    await expect(
      recordWithRegressionGate(path, entry('r'), { maxDrop: 1.1, targets: [], now: 1 }),
    ).rejects.toThrow('max drop must be a finite ratio in [0, 1]');
    expect(await stat(join(dir, 'never')).catch(() => undefined)).toBeUndefined();
    await writeFile(join(dir, 'corrupt.json'), '{not-json');
    await expect(
      recordAdversarialRun(join(dir, 'corrupt.json'), entry('r'), { now: 1 }),
    ).rejects.toThrow('is not valid JSON');
  });
});
