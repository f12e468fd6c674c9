import type { GoldenDataset, ScoredSample } from '../engine/index.js';
import { ReportFileError } from '../errors.js';
import { createMetricScore, type MetricScore } from '../metrics/index.js';
import type {
  SampleFailure,
  SampleRepeat,
  SampleResult,
  SavedAnswerRow,
  SavedDatasetReport,
} from '../reports/index.js';
import { isPlainObject } from '../values.js';
import { readSavedReport } from './compare-runs.js';

/** A report to resume (`run --resume`), read and checked before anything runs. */
export interface ResumeSource {
  readonly source: string;
  readonly report: SavedDatasetReport;
}

/** Read the report `--resume` names: a dataset report written with `--json` (exit 2 otherwise). */
export async function readResumeReport(path: string, source: string): Promise<ResumeSource> {
  // Resumed samples keep their outputs and details in the new report.
  const saved = await readSavedReport(path, source, { wholeRows: true });
  if (saved.kind !== 'dataset')
    throw new ReportFileError(
      `${source} is an eval-set report; --resume takes one dataset's report (an eval set resumes through --manifest).`,
    );
  return { source, report: saved.report };
}

/**
 * The samples a resumed run keeps, by id: every sample the report scored, with its scores,
 * answers and metric failures as they were; errored and not-run samples are left out, so they
 * run again. The report must be of this dataset, scored with the same metrics and repeat count,
 * and name only samples the dataset has (each a one-line exit 2 naming the file).
 */
export function keptSamples(
  resume: ResumeSource,
  dataset: GoldenDataset,
  repeat: number,
): Map<string, ScoredSample> {
  const { source, report } = resume;
  const fail = (problem: string): never => {
    throw new ReportFileError(`${source} (--resume) ${problem}`);
  };
  if (report.dataset !== dataset.name)
    fail(
      `is a report of dataset '${report.dataset}', not '${dataset.name}'; resume a report of the same dataset.`,
    );
  const metrics = dataset.metrics.map((metric) => metric.name);
  const scored = Object.keys(report.metrics);
  if (scored.length > 0 && scored.join(',') !== metrics.join(','))
    fail(
      `was scored with ${scored.join(', ')}, but this run scores ${metrics.join(', ')}; resume with the same metrics.`,
    );
  const samples = new Map(dataset.samples.map((sample) => [sample.id, sample]));
  const failures = new Map<string, SampleFailure[]>();
  for (const failure of report.failures) {
    const list = failures.get(failure.sample_id) ?? [];
    list.push({
      sampleId: failure.sample_id,
      metricName: failure.metric,
      error: failure.error,
      details: {},
      ...(failure.repeat === undefined ? {} : { repeat: failure.repeat }),
    });
    failures.set(failure.sample_id, list);
  }
  const kept = new Map<string, ScoredSample>();
  for (const row of report.samples) {
    const sample = samples.get(row.id);
    if (sample === undefined)
      fail(
        `has sample '${row.id}', which dataset '${dataset.name}' does not; resume a report of this version of the dataset.`,
      );
    if ((row.repeats?.length ?? 1) !== repeat)
      fail(
        `ran each sample ${row.repeats?.length ?? 1} time(s), but this run repeats ${repeat}; resume with the same --repeat.`,
      );
    const result: SampleResult = {
      sample: sample as NonNullable<typeof sample>,
      ...savedAnswerOf(row),
      ...(row.repeats === undefined ? {} : { repeats: row.repeats.map(savedAnswerOf) }),
      ...(row.attempts === undefined ? {} : { attempts: row.attempts }),
    };
    kept.set(row.id, { result, failures: failures.get(row.id) ?? [] });
  }
  return kept;
}

/** A saved answer row as the report model holds it (retrieved ids and tool names only). */
export function savedAnswerOf(row: SavedAnswerRow): SampleRepeat {
  const metricScores = new Map<string, MetricScore>();
  for (const [name, { score, details }] of Object.entries(row.scores))
    if (score !== null)
      metricScores.set(name, createMetricScore(score, isPlainObject(details) ? details : {}));
  return {
    actualOutput: row.actual_output,
    metricScores,
    ...(row.retrieved_ids === undefined
      ? {}
      : { retrieved: row.retrieved_ids.map((id) => ({ id })) }),
    ...(row.tools === undefined ? {} : { trajectory: row.tools.map((tool) => ({ tool })) }),
  };
}
