import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { EvalRunError } from '../errors.js';
import { parseManifestText, type ManifestFormat } from '../manifest-file.js';
import { firstIssue } from '../schema-issues.js';
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

// What a stored run must hold (docs/ADVERSARIAL.md), checked when a run is recorded and when a
// manifest is read back. Objects are loose: a newer report may add aggregates (pass_all, …).
const text = z.string().refine((value) => value !== '' && value.trim() === value);
const nonNegative = z.number().min(0);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const unit = z.number().min(0).max(1);
const MetricsSchema = z.record(
  text,
  z.looseObject({ mean: unit, p50: unit, p95: unit, pass_rate: unit }),
);
const AdversarialSchema = z.looseObject({
  total_samples: count,
  categories: z.array(
    z.looseObject({
      category: text,
      label: text,
      severity: text.nullable(),
      sample_count: count,
      compliance_frameworks: z.array(text),
      metrics: MetricsSchema,
    }),
  ),
  compliance_frameworks: z.array(
    z.looseObject({ framework: text, sample_count: count, categories: z.array(text) }),
  ),
});
const runEntryShape = {
  run_id: text,
  dataset: text,
  report_schema_version: text,
  started_at: nonNegative,
  finished_at: nonNegative,
  duration_seconds: nonNegative,
  macro_f1: unit,
  total_samples: count,
  total_failures: count,
  metrics: MetricsSchema,
  adversarial: AdversarialSchema,
};
const RunEntrySchema = z.looseObject(runEntryShape).superRefine((entry, ctx) => {
  if (entry.finished_at < entry.started_at)
    ctx.addIssue({ code: 'custom', path: ['finished_at'], message: 'earlier' });
  else if (Math.abs(entry.duration_seconds - (entry.finished_at - entry.started_at)) > 1e-6)
    ctx.addIssue({ code: 'custom', path: ['duration_seconds'], message: 'mismatch' });
});

/** A safe summary of one adversarial run: never prompts, outputs or metadata. */
export type AdversarialRunEntry = Readonly<
  {
    [K in Exclude<keyof typeof runEntryShape, 'metrics' | 'adversarial'>]: z.output<
      (typeof runEntryShape)[K]
    >;
  } & {
    readonly metrics: Readonly<Record<string, MetricAggregate>>;
    readonly adversarial: AdversarialSummary;
  }
>;

const TEXT = 'must be a non-empty string without leading or trailing whitespace.';

/** The problem with a metrics map, `where` being its place (`''` or `adversarial.categories[0].`). */
function metricsMessage(where: string, rest: readonly PropertyKey[], code: string): string {
  const [name, aggregate] = rest;
  if (name === undefined) return `${where}metrics must be a map of metric aggregates.`;
  if (code === 'invalid_key')
    return `${where}metric names must be non-empty strings without leading or trailing whitespace.`;
  if (aggregate === undefined) return `metric '${String(name)}' must be an object of aggregates.`;
  return `metric '${String(name)}' aggregate '${String(aggregate)}' must be in [0, 1].`;
}

/** The message of a stored run's first problem, in the words of docs/ADVERSARIAL.md. */
function entryIssueMessage(entry: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path;
  const [field] = path;
  const runId = String((entry as Record<string, unknown>)['run_id']);
  if (issue.code === 'custom' && issue.message === 'earlier')
    return `entry '${runId}' finished_at cannot be earlier than started_at.`;
  if (issue.code === 'custom' && issue.message === 'mismatch')
    return `entry '${runId}' duration_seconds must match finished_at minus started_at.`;
  switch (field) {
    case 'run_id':
    case 'dataset':
    case 'report_schema_version':
      return `entry field '${field}' ${TEXT}`;
    case 'macro_f1':
      if (issue.code === 'too_big') return `entry field 'macro_f1' must be in [0, 1].`;
    // falls through: below 0 or not a number reads like the other numbers
    case 'started_at':
    case 'finished_at':
    case 'duration_seconds':
      return `entry field '${field}' must be a finite number >= 0.`;
    case 'total_samples':
    case 'total_failures':
      return `entry field ${field} must be a non-negative integer.`;
    case 'metrics':
      return metricsMessage('', path.slice(1), issue.code);
  }
  return adversarialIssueMessage(path.slice(1), issue.code);
}

function adversarialIssueMessage(path: readonly PropertyKey[], code: string): string {
  const [list, index, key, ...rest] = path;
  if (list === undefined) return 'adversarial must be an object.';
  if (list === 'total_samples') return 'adversarial.total_samples must be a non-negative integer.';
  if (index === undefined)
    return 'adversarial.categories and adversarial.compliance_frameworks must be lists.';
  const where = `adversarial.${String(list)}[${String(index)}]`;
  if (key === undefined) return `${where} must be an object.`;
  if (key === 'sample_count') return `${where}.sample_count must be a non-negative integer.`;
  if (key === 'severity') return `${where}.severity must be null or a non-empty string.`;
  if (key === 'metrics') return metricsMessage(`${where}.`, rest, code);
  if (list === 'categories' && key === 'compliance_frameworks')
    return `${where}.compliance_frameworks must be a list of non-empty strings.`;
  if (key === 'categories')
    return rest.length === 0
      ? `${where}.categories must be a list.`
      : `${where}.categories[${String(rest[0])}] ${TEXT}`;
  return `${where}.${String(key)} ${TEXT}`;
}

/** Check a run against the schema; throws the message of its first problem. */
export function validateEntry(entry: AdversarialRunEntry): void {
  const parsed = RunEntrySchema.safeParse(entry);
  if (parsed.success) return;
  const issue = firstIssue(parsed.error.issues, Object.keys(runEntryShape));
  throw new EvalRunError(`Adversarial run manifest ${entryIssueMessage(entry, issue)}`);
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

/** The manifest file around the runs; each run is checked by the manifest (RunEntrySchema). */
const ManifestFileSchema = z.object({
  schema_version: z.string().refine((version) => version === ADVERSARIAL_RUNS_SCHEMA_V1),
  manifest: z.string(),
  updated_at: z.number(),
  runs: z.array(z.record(z.string(), z.unknown())),
});

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
  /** A manifest file's text; errors name `source` (see manifest-file.ts). */
  static fromJsonText(text: string, source: string): AdversarialRunManifest {
    return parseManifestText(ADVERSARIAL_MANIFEST_FORMAT, text, source);
  }

  /** Parsed manifest JSON, checked; errors say what is wrong without naming the file. */
  static fromJson(json: unknown): AdversarialRunManifest {
    if (!isPlainObject(json)) throw new EvalRunError('must contain a JSON object.');
    const parsed = ManifestFileSchema.safeParse(json);
    if (!parsed.success) {
      const [field] = firstIssue(parsed.error.issues, Object.keys(ManifestFileSchema.shape)).path;
      const problem =
        field === 'schema_version' &&
        typeof json['schema_version'] === 'string' &&
        typeof json['manifest'] === 'string'
          ? `uses unsupported schema version '${String(json['schema_version'])}'. Supported version: ${ADVERSARIAL_RUNS_SCHEMA_V1}.`
          : field === 'schema_version' || field === 'manifest'
            ? 'requires string schema_version and manifest fields.'
            : field === 'updated_at'
              ? 'updated_at must be a number.'
              : 'runs must be a list of objects.';
      throw new EvalRunError(problem);
    }
    // The entry checks are shared with runs being recorded; their messages start with the title.
    return new AdversarialRunManifest(
      parsed.data.manifest,
      parsed.data.updated_at,
      parsed.data.runs as unknown as AdversarialRunEntry[],
    );
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

/** The adversarial run history file (`--manifest` of `eval-harness adversarial`). */
export const ADVERSARIAL_MANIFEST_FORMAT: ManifestFormat<AdversarialRunManifest> = {
  title: 'Adversarial run manifest',
  indent: 4,
  fromJson: (json) => AdversarialRunManifest.fromJson(json),
  toJson: (manifest) => manifest.toJson(),
};
