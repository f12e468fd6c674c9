import * as z from 'zod';
import { EvalRunError } from '../errors.js';
import type { ManifestFormat } from '../manifest-file.js';
import { firstIssue } from '../schema-issues.js';
import { durationSeconds, type EvalReport } from '../reports/index.js';
import { isPlainObject } from '../values.js';
import type { EvalSetDefinition } from './eval-set.js';

export const EVAL_SET_MANIFEST_SCHEMA_V1 = 'eval-harness.eval-set-manifest.v1';

const STATUSES = ['pending', 'running', 'completed', 'failed'] as const;
export type EvalSetEntryStatus = (typeof STATUSES)[number];

// Absent and null are the same: a hand-written manifest may leave unset fields out.
const nullableNumber = z.number().nullable().default(null);
const nullableString = z.string().nullable().default(null);

/** One dataset's state in a resumable eval-set run, as the manifest file holds it. */
const ManifestEntrySchema = z.object({
  dataset: z.string(),
  status: z.enum(STATUSES),
  started_at: nullableNumber,
  finished_at: nullableNumber,
  duration_seconds: nullableNumber,
  report_schema_version: nullableString,
  total_samples: nullableNumber,
  total_failures: nullableNumber,
  error: nullableString,
});

/**
 * The manifest file's shape. The rules between fields (status and timing, ordered progress) are
 * checked by the manifest itself on construction, so a manifest built in code obeys them too.
 */
const ManifestFileSchema = z.object({
  schema_version: z.literal(EVAL_SET_MANIFEST_SCHEMA_V1),
  eval_set: z.string(),
  started_at: z.number(),
  updated_at: z.number(),
  datasets: z.array(ManifestEntrySchema),
});

/** One dataset's state in a resumable eval-set run. All nine keys are always present. */
export type EvalSetManifestEntry = Readonly<z.output<typeof ManifestEntrySchema>>;

/** The message of the first problem, in the order the fields are read, in the manifest's words. */
function manifestIssueMessage(json: Record<string, unknown>, issue: z.core.$ZodIssue): string {
  const [top, index, field] = issue.path;
  switch (top) {
    case 'schema_version':
      return `Eval set manifest uses unsupported schema version '${String(json['schema_version'])}'. Supported version: ${EVAL_SET_MANIFEST_SCHEMA_V1}.`;
    case 'eval_set':
      return 'Eval set manifest eval_set must be a string.';
    case 'started_at':
    case 'updated_at':
      return 'Eval set manifest started_at and updated_at must be numbers.';
  }
  if (field === undefined) return 'Eval set manifest datasets must be a list of objects.';
  if (field === 'dataset') return 'Eval set manifest entry dataset must be a string.';
  const entry = (json['datasets'] as Record<string, unknown>[])[index as number] ?? {};
  const where = `Eval set manifest entry '${String(entry['dataset'])}'`;
  if (field === 'status') return `${where} has unsupported status '${String(entry['status'])}'.`;
  const kind = ManifestEntrySchema.shape[field as 'error'] === nullableString ? 'string' : 'number';
  return `${where} ${String(field)} must be a ${kind} or null.`;
}

const EMPTY: Omit<EvalSetManifestEntry, 'dataset' | 'status'> = {
  started_at: null,
  finished_at: null,
  duration_seconds: null,
  report_schema_version: null,
  total_samples: null,
  total_failures: null,
  error: null,
};

/**
 * The resume manifest of an eval set: immutable, every transition returns
 * a new manifest and every invariant is checked on construction, so a hand-edited or corrupt
 * manifest is rejected before anything runs.
 */
export class EvalSetManifest {
  readonly schemaVersion = EVAL_SET_MANIFEST_SCHEMA_V1;

  private constructor(
    readonly evalSet: string,
    readonly startedAt: number,
    readonly updatedAt: number,
    readonly entries: readonly EvalSetManifestEntry[],
  ) {
    validateManifest(this);
  }

  static start(definition: EvalSetDefinition, now: number): EvalSetManifest {
    return new EvalSetManifest(
      definition.name,
      now,
      now,
      definition.datasetNames.map((dataset) => ({ dataset, status: 'pending', ...EMPTY })),
    );
  }

  static fromJson(json: unknown): EvalSetManifest {
    if (!isPlainObject(json)) throw new EvalRunError('Eval set manifest must be a JSON object.');
    const parsed = ManifestFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = firstIssue(parsed.error.issues, Object.keys(ManifestFileSchema.shape));
      throw new EvalRunError(manifestIssueMessage(json, issue));
    }
    const { eval_set: name, started_at: startedAt, updated_at: updatedAt } = parsed.data;
    return new EvalSetManifest(name, startedAt, updatedAt, parsed.data.datasets);
  }

  toJson(): Record<string, unknown> {
    return {
      schema_version: this.schemaVersion,
      eval_set: this.evalSet,
      started_at: this.startedAt,
      updated_at: this.updatedAt,
      datasets: this.entries.map((entry) => ({ ...entry })),
    };
  }

  entryFor(dataset: string): EvalSetManifestEntry | null {
    return this.entries.find((entry) => entry.dataset === dataset) ?? null;
  }

  assertMatches(definition: EvalSetDefinition): void {
    if (definition.name !== this.evalSet) {
      throw new EvalRunError(
        `Eval set manifest belongs to eval set '${this.evalSet}', not '${definition.name}'.`,
      );
    }
    const names = this.entries.map((entry) => entry.dataset);
    if (
      names.length !== definition.datasetNames.length ||
      names.some((name, i) => name !== definition.datasetNames[i])
    ) {
      throw new EvalRunError(
        `Eval set manifest for '${this.evalSet}' dataset order does not match the eval set definition (${definition.datasetNames.join(', ')}).`,
      );
    }
  }

  markRunning(dataset: string, now: number): EvalSetManifest {
    return this.transition(dataset, 'running', () => ({ ...EMPTY, started_at: now }), now);
  }

  markCompleted(dataset: string, report: EvalReport): EvalSetManifest {
    if (report.datasetName !== dataset) {
      throw new EvalRunError(
        `Eval set manifest entry '${dataset}' cannot be completed with report for dataset '${report.datasetName}'.`,
      );
    }
    return this.transition(
      dataset,
      'completed',
      () => ({
        started_at: report.startedAt,
        finished_at: report.finishedAt,
        duration_seconds: durationSeconds(report),
        report_schema_version: report.schemaVersion,
        total_samples: report.sampleResults.length,
        total_failures: report.failures.length,
        error: null,
      }),
      Math.max(this.updatedAt, report.finishedAt),
    );
  }

  markFailed(dataset: string, error: string, now: number): EvalSetManifest {
    const message = error.trim();
    if (message === '')
      throw new EvalRunError(
        `Eval set manifest entry '${dataset}' failure needs a non-empty error.`,
      );
    return this.transition(
      dataset,
      'failed',
      (entry) => {
        const started = entry.started_at ?? now;
        return {
          ...EMPTY,
          started_at: started,
          finished_at: now,
          duration_seconds: Math.max(0, now - started),
          error: message,
        };
      },
      now,
    );
  }

  /** `failed` entries back to `pending`, for an explicit retry (`--retry-failed`). */
  resetFailed(now: number): EvalSetManifest {
    const entries = this.entries.map((entry) =>
      entry.status === 'failed'
        ? { dataset: entry.dataset, status: 'pending' as const, ...EMPTY }
        : entry,
    );
    return new EvalSetManifest(
      this.evalSet,
      this.startedAt,
      Math.max(this.updatedAt, now),
      entries,
    );
  }

  completedDatasetNames(): string[] {
    return this.entries
      .filter((entry) => entry.status === 'completed')
      .map((entry) => entry.dataset);
  }

  failedDatasetNames(): string[] {
    return this.entries.filter((entry) => entry.status === 'failed').map((entry) => entry.dataset);
  }

  isComplete(): boolean {
    return this.entries.every((entry) => entry.status === 'completed');
  }

  private transition(
    dataset: string,
    status: EvalSetEntryStatus,
    fields: (entry: EvalSetManifestEntry) => Omit<EvalSetManifestEntry, 'dataset' | 'status'>,
    updatedAt: number,
  ): EvalSetManifest {
    const index = this.entries.findIndex((entry) => entry.dataset === dataset);
    const entry = this.entries[index];
    if (entry === undefined)
      throw new EvalRunError(`Eval set manifest has no dataset '${dataset}'.`);
    if (entry.status === 'completed' || entry.status === 'failed') {
      throw new EvalRunError(
        `Eval set manifest entry '${dataset}' cannot transition from terminal status '${entry.status}' to '${status}'.`,
      );
    }
    const entries = [...this.entries];
    entries[index] = { dataset, status, ...fields(entry) };
    // updated_at never moves backwards, even if clocks disagree (a report from another clock).
    return new EvalSetManifest(
      this.evalSet,
      this.startedAt,
      Math.max(this.updatedAt, updatedAt),
      entries,
    );
  }
}

function validateManifest(manifest: EvalSetManifest): void {
  const name = manifest.evalSet;
  if (name === '' || name.trim() !== name)
    throw new EvalRunError(
      'Eval set name must be a non-empty string without leading or trailing whitespace.',
    );
  if (!(manifest.startedAt >= 0) || !(manifest.updatedAt >= 0))
    throw new EvalRunError(
      `Eval set manifest '${name}' started_at and updated_at must be non-negative.`,
    );
  if (manifest.updatedAt < manifest.startedAt)
    throw new EvalRunError(
      `Eval set manifest '${name}' updated_at cannot be earlier than started_at.`,
    );
  if (manifest.entries.length === 0)
    throw new EvalRunError(`Eval set manifest '${name}' must contain at least one dataset.`);
  const seen = new Set<string>();
  let firstOpen: EvalSetManifestEntry | undefined;
  for (const entry of manifest.entries) {
    const where = `Eval set manifest entry '${entry.dataset}'`;
    if (entry.dataset === '' || entry.dataset.trim() !== entry.dataset) {
      throw new EvalRunError(
        `Eval set manifest dataset names must be non-empty strings without leading or trailing whitespace; got '${entry.dataset}'.`,
      );
    }
    if (seen.has(entry.dataset))
      throw new EvalRunError(
        `Eval set manifest '${name}' contains duplicate dataset '${entry.dataset}'.`,
      );
    seen.add(entry.dataset);
    for (const key of [
      'started_at',
      'finished_at',
      'duration_seconds',
      'total_samples',
      'total_failures',
    ] as const) {
      const value = entry[key];
      if (value !== null && !(value >= 0))
        throw new EvalRunError(`${where} ${key} must be non-negative or null.`);
    }
    if (
      entry.started_at !== null &&
      entry.finished_at !== null &&
      entry.finished_at < entry.started_at
    ) {
      throw new EvalRunError(`${where} finished_at cannot be earlier than started_at.`);
    }
    if (
      entry.started_at !== null &&
      entry.finished_at !== null &&
      entry.duration_seconds !== null &&
      Math.abs(entry.duration_seconds - (entry.finished_at - entry.started_at)) > 1e-6
    ) {
      throw new EvalRunError(`${where} duration_seconds must match finished_at minus started_at.`);
    }
    checkStatusFields(entry, where);
    // Ordered progress: after the first entry that is not completed, everything is pending.
    if (firstOpen !== undefined && entry.status !== 'pending') {
      throw new EvalRunError(
        `Eval set manifest cannot mark dataset '${entry.dataset}' as '${entry.status}' after dataset '${firstOpen.dataset}' is '${firstOpen.status}'.`,
      );
    }
    if (firstOpen === undefined && entry.status !== 'completed') firstOpen = entry;
    for (const key of ['started_at', 'finished_at'] as const) {
      const value = entry[key];
      if (value !== null && manifest.updatedAt < value) {
        throw new EvalRunError(
          `Eval set manifest updated_at cannot be earlier than dataset '${entry.dataset}' ${key}.`,
        );
      }
    }
  }
}

function checkStatusFields(entry: EvalSetManifestEntry, where: string): void {
  const set = (key: keyof EvalSetManifestEntry) => entry[key] !== null;
  const timing = set('started_at') && set('finished_at') && set('duration_seconds');
  const reportFields =
    set('report_schema_version') && set('total_samples') && set('total_failures');
  const anyReport = set('report_schema_version') || set('total_samples') || set('total_failures');
  switch (entry.status) {
    case 'pending':
      if (
        set('started_at') ||
        set('finished_at') ||
        set('duration_seconds') ||
        anyReport ||
        set('error')
      ) {
        throw new EvalRunError(`${where} pending status requires every other field to be null.`);
      }
      return;
    case 'running':
      if (
        !set('started_at') ||
        set('finished_at') ||
        set('duration_seconds') ||
        anyReport ||
        set('error')
      ) {
        throw new EvalRunError(
          `${where} running status requires started_at and no terminal fields.`,
        );
      }
      return;
    case 'completed':
      if (!timing || !reportFields || set('error'))
        throw new EvalRunError(`${where} completed status requires report summary fields.`);
      return;
    case 'failed':
      if (!timing || anyReport || entry.error === null || entry.error.trim() === '') {
        throw new EvalRunError(
          `${where} failed status requires timing fields and a non-empty error, and no report fields.`,
        );
      }
  }
}

/** The eval-set progress file (`--manifest` of `eval-harness run --eval-set`). */
export const EVAL_SET_MANIFEST_FORMAT: ManifestFormat<EvalSetManifest> = {
  title: 'Eval set manifest',
  indent: 2,
  fromJson: (json) => EvalSetManifest.fromJson(json),
  toJson: (manifest) => manifest.toJson(),
};
