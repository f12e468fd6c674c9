import { createHash, randomBytes } from 'node:crypto';
import { EvalRunError } from '../errors.js';
import {
  durationSeconds,
  type AdversarialSummary,
  type EvalReport,
  type MetricAggregate,
  type ReportSummary,
} from '../reports/index.js';
import { compareCodePoints } from '../reports/index.js';
import { isPlainObject } from '../values.js';

export const ADVERSARIAL_RUNS_SCHEMA_V1 = 'eval-harness.adversarial-runs.v1';

/** A safe summary of one adversarial run: never prompts, outputs or metadata. */
export interface AdversarialRunEntry {
  readonly run_id: string;
  readonly dataset: string;
  readonly report_schema_version: string;
  readonly started_at: number;
  readonly finished_at: number;
  readonly duration_seconds: number;
  readonly total_samples: number;
  readonly total_failures: number;
  readonly macro_f1: number;
  readonly metrics: Readonly<Record<string, MetricAggregate>>;
  readonly adversarial: AdversarialSummary;
}

/** sha256 of `<dataset>|<started 6 dp>|<finished 6 dp>|<samples>|<failures>`. */
export function defaultRunId(
  dataset: string,
  startedAt: number,
  finishedAt: number,
  samples: number,
  failures: number,
  nonce: string = randomBytes(8).toString('hex'),
): string {
  // The nonce keeps two runs with the same times and counts (two processes started together on
  // a coarse clock) from sharing an id, which would make the second replace the first.
  return createHash('sha256')
    .update(
      `${dataset}|${startedAt.toFixed(6)}|${finishedAt.toFixed(6)}|${samples}|${failures}|${nonce}`,
    )
    .digest('hex');
}

export function runEntryFromReport(
  report: EvalReport,
  summary: ReportSummary,
  runId?: string,
): AdversarialRunEntry {
  const entry: AdversarialRunEntry = {
    run_id:
      runId ??
      defaultRunId(
        report.datasetName,
        report.startedAt,
        report.finishedAt,
        report.sampleResults.length,
        report.failures.length,
      ),
    dataset: report.datasetName,
    report_schema_version: report.schemaVersion,
    started_at: report.startedAt,
    finished_at: report.finishedAt,
    duration_seconds: durationSeconds(report),
    total_samples: report.sampleResults.length,
    total_failures: report.failures.length,
    macro_f1: summary.macroF1,
    metrics: summary.metrics,
    adversarial: summary.adversarial,
  };
  validateEntry(entry);
  return entry;
}

/** The history of adversarial runs of one manifest name, newest first. Immutable. */
export class AdversarialRunManifest {
  readonly schemaVersion = ADVERSARIAL_RUNS_SCHEMA_V1;

  constructor(
    readonly name: string,
    readonly updatedAt: number,
    readonly runs: readonly AdversarialRunEntry[],
  ) {
    if (name === '' || name.trim() !== name) {
      throw new EvalRunError(
        'Adversarial run manifest name must be a non-empty string without leading or trailing whitespace.',
      );
    }
    if (!Number.isFinite(updatedAt) || updatedAt < 0)
      throw new EvalRunError('Adversarial run manifest updated_at must be a finite number >= 0.');
    const ids = new Set<string>();
    for (const run of runs) {
      validateEntry(run);
      if (ids.has(run.run_id))
        throw new EvalRunError(
          `Adversarial run manifest '${name}' contains duplicate run_id '${run.run_id}'.`,
        );
      ids.add(run.run_id);
    }
  }

  static empty(name: string): AdversarialRunManifest {
    return new AdversarialRunManifest(name, 0, []);
  }

  /** Parse a manifest file's text; every error names the file. */
  static fromJsonText(text: string, source: string): AdversarialRunManifest {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new EvalRunError(
        `Adversarial run manifest '${source}' contains invalid JSON: ${(error as Error).message}.`,
      );
    }
    if (!isPlainObject(json))
      throw new EvalRunError(`Adversarial run manifest '${source}' must contain a JSON object.`);
    if (typeof json['schema_version'] !== 'string' || typeof json['manifest'] !== 'string') {
      throw new EvalRunError(
        `Adversarial run manifest '${source}' requires string schema_version and manifest fields.`,
      );
    }
    if (json['schema_version'] !== ADVERSARIAL_RUNS_SCHEMA_V1) {
      throw new EvalRunError(
        `Adversarial run manifest '${source}' uses unsupported schema version '${json['schema_version']}'. Supported version: ${ADVERSARIAL_RUNS_SCHEMA_V1}.`,
      );
    }
    if (typeof json['updated_at'] !== 'number')
      throw new EvalRunError(`Adversarial run manifest '${source}' updated_at must be a number.`);
    const runs = json['runs'];
    if (!Array.isArray(runs) || runs.some((run) => !isPlainObject(run))) {
      throw new EvalRunError(
        `Adversarial run manifest '${source}' runs must be a list of objects.`,
      );
    }
    try {
      return new AdversarialRunManifest(
        json['manifest'],
        json['updated_at'],
        runs as unknown as AdversarialRunEntry[],
      );
    } catch (error) {
      // The entry checks are shared with runs being recorded; a stored one names the file.
      if (!(error instanceof EvalRunError)) throw error;
      throw new EvalRunError(
        error.message.replace(
          /^Adversarial run manifest /,
          `Adversarial run manifest '${source}': `,
        ),
      );
    }
  }

  toJson(): Record<string, unknown> {
    return {
      schema_version: this.schemaVersion,
      manifest: this.name,
      updated_at: this.updatedAt,
      runs: this.runs,
    };
  }

  latest(): AdversarialRunEntry | null {
    return this.runs[0] ?? null;
  }

  /**
   * Add (or replace, by run id) a run and keep the newest `maxRuns`, always keeping a clean
   * (failure-free) baseline when one exists, so retention never deletes the last comparison point.
   */
  record(entry: AdversarialRunEntry, maxRuns: number, now: number): AdversarialRunManifest {
    if (!Number.isInteger(maxRuns) || maxRuns < 1)
      throw new EvalRunError('Adversarial run manifest retention must keep at least one run.');
    const runs = [entry, ...this.runs.filter((run) => run.run_id !== entry.run_id)].sort(
      (a, b) => b.finished_at - a.finished_at || compareCodePoints(a.run_id, b.run_id),
    );
    const kept = runs.slice(0, maxRuns);
    if (!kept.some((run) => run.total_failures === 0)) {
      const clean = runs.slice(maxRuns).find((run) => run.total_failures === 0);
      if (clean !== undefined) kept[kept.length - 1] = clean;
    }
    return new AdversarialRunManifest(this.name, now, kept);
  }
}

const fail = (message: string): never => {
  throw new EvalRunError(`Adversarial run manifest ${message}`);
};

function nonEmptyUnpadded(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.trim() === value;
}

function checkUnit(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
    fail(`${what} must be in [0, 1].`);
}

function checkMetrics(metrics: unknown, where: string): void {
  if (!isPlainObject(metrics)) fail(`${where}metrics must be a map of metric aggregates.`);
  for (const [name, aggregate] of Object.entries(metrics as Record<string, unknown>)) {
    if (!nonEmptyUnpadded(name))
      fail(
        `${where}metric names must be non-empty strings without leading or trailing whitespace.`,
      );
    if (!isPlainObject(aggregate)) fail(`metric '${name}' must be an object of aggregates.`);
    for (const key of ['mean', 'p50', 'p95', 'pass_rate'])
      checkUnit((aggregate as Record<string, unknown>)[key], `metric '${name}' aggregate '${key}'`);
  }
}

function checkCount(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    fail(`${what} must be a non-negative integer.`);
}

/** What a stored run must hold (docs/ADVERSARIAL.md), checked on construction and on load. */
export function validateEntry(entry: AdversarialRunEntry): void {
  for (const key of ['run_id', 'dataset', 'report_schema_version'] as const) {
    if (!nonEmptyUnpadded(entry[key]))
      fail(
        `entry field '${key}' must be a non-empty string without leading or trailing whitespace.`,
      );
  }
  for (const key of ['started_at', 'finished_at', 'duration_seconds', 'macro_f1'] as const) {
    const value = entry[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      fail(`entry field '${key}' must be a finite number >= 0.`);
  }
  if (entry.finished_at < entry.started_at)
    fail(`entry '${entry.run_id}' finished_at cannot be earlier than started_at.`);
  if (Math.abs(entry.duration_seconds - (entry.finished_at - entry.started_at)) > 1e-6) {
    fail(`entry '${entry.run_id}' duration_seconds must match finished_at minus started_at.`);
  }
  if (entry.macro_f1 > 1) fail(`entry field 'macro_f1' must be in [0, 1].`);
  checkCount(entry.total_samples, 'entry field total_samples');
  checkCount(entry.total_failures, 'entry field total_failures');
  checkMetrics(entry.metrics, '');
  const adversarial = entry.adversarial as unknown;
  if (!isPlainObject(adversarial)) fail('adversarial must be an object.');
  const summary = adversarial as Record<string, unknown>;
  checkCount(summary['total_samples'], 'adversarial.total_samples');
  if (!Array.isArray(summary['categories']) || !Array.isArray(summary['compliance_frameworks'])) {
    fail('adversarial.categories and adversarial.compliance_frameworks must be lists.');
  }
  (summary['categories'] as unknown[]).forEach((category, i) => {
    const where = `adversarial.categories[${i}]`;
    if (!isPlainObject(category)) fail(`${where} must be an object.`);
    const c = category as Record<string, unknown>;
    for (const key of ['category', 'label']) {
      if (!nonEmptyUnpadded(c[key]))
        fail(`${where}.${key} must be a non-empty string without leading or trailing whitespace.`);
    }
    if (c['severity'] !== null && !nonEmptyUnpadded(c['severity']))
      fail(`${where}.severity must be null or a non-empty string.`);
    checkCount(c['sample_count'], `${where}.sample_count`);
    if (
      !Array.isArray(c['compliance_frameworks']) ||
      !(c['compliance_frameworks'] as unknown[]).every(nonEmptyUnpadded)
    ) {
      fail(`${where}.compliance_frameworks must be a list of non-empty strings.`);
    }
    checkMetrics(c['metrics'], `${where}.`);
  });
  (summary['compliance_frameworks'] as unknown[]).forEach((framework, i) => {
    const where = `adversarial.compliance_frameworks[${i}]`;
    if (!isPlainObject(framework)) fail(`${where} must be an object.`);
    const f = framework as Record<string, unknown>;
    if (!nonEmptyUnpadded(f['framework']))
      fail(`${where}.framework must be a non-empty string without leading or trailing whitespace.`);
    checkCount(f['sample_count'], `${where}.sample_count`);
    if (!Array.isArray(f['categories'])) fail(`${where}.categories must be a list.`);
    (f['categories'] as unknown[]).forEach((category, j) => {
      if (!nonEmptyUnpadded(category))
        fail(
          `${where}.categories[${j}] must be a non-empty string without leading or trailing whitespace.`,
        );
    });
  });
}
