import { resolve } from 'node:path';
import { createSample } from '../datasets/index.js';
import { ReportFileError } from '../errors.js';
import {
  createEvalReport,
  type EvalReport,
  type SampleResult,
  type SavedDatasetReport,
} from '../reports/index.js';
import { readSavedReport } from './compare-runs.js';
import { savedAnswerOf } from './resume-run.js';

/** A report file to merge: where to read it, and how messages name it. */
export interface MergeInput {
  readonly path: string;
  readonly source: string;
}

/** The rows of one saved report as the report model's sample results. */
function resultsOf(report: SavedDatasetReport): SampleResult[] {
  return report.samples.map((row) => ({
    // A JSON report keeps neither inputs nor expected answers; tags and pass lines it does.
    sample: createSample({
      id: row.id,
      metadata: {
        tags: row.tags,
        ...(row.pass_lines === undefined ? {} : { thresholds: row.pass_lines }),
      },
    }),
    ...savedAnswerOf(row),
    ...(row.repeats === undefined ? {} : { repeats: row.repeats.map(savedAnswerOf) }),
    ...(row.attempts === undefined ? {} : { attempts: row.attempts }),
  }));
}

/**
 * Join the JSON reports of one dataset's shards (`run --shard i/n` in a CI matrix) into one
 * report whose aggregates cover every sample. The reports must be dataset reports of the same
 * dataset, scored with the same metrics and pass lines, with no sample in two of them; each
 * problem is exit 2 naming the files. The merged report ran as the worst of its parts did
 * (a shard that stopped on an error makes it stopped), from the first start to the last finish.
 */
export async function mergeReportFiles(
  inputs: readonly MergeInput[],
  cwd: string,
): Promise<EvalReport> {
  if (inputs.length < 2)
    throw new ReportFileError('merge joins two or more reports; pass every shard report.');
  const reports: { source: string; report: SavedDatasetReport }[] = [];
  for (const input of inputs) {
    // The merged report writes each row back, details included.
    const saved = await readSavedReport(resolve(cwd, input.path), input.source, {
      wholeRows: true,
    });
    if (saved.kind !== 'dataset')
      throw new ReportFileError(
        `${input.source} is an eval-set report; merge joins the reports of one dataset's shards.`,
      );
    reports.push({ source: input.source, report: saved.report });
  }
  const first = reports[0] as (typeof reports)[number];
  const metricsOf = (report: SavedDatasetReport) => Object.keys(report.metrics).sort().join(', ');
  const linesOf = (report: SavedDatasetReport) => JSON.stringify(report.pass_lines ?? {});
  const owner = new Map<string, string>();
  for (const { source, report } of reports) {
    if (report.dataset !== first.report.dataset)
      throw new ReportFileError(
        `${source} is a report of dataset '${report.dataset}', ${first.source} of '${first.report.dataset}'; merge the shards of one dataset.`,
      );
    if (
      report.samples.length > 0 &&
      first.report.samples.length > 0 &&
      metricsOf(report) !== metricsOf(first.report)
    )
      throw new ReportFileError(
        `${source} was scored with ${metricsOf(report)}, ${first.source} with ${metricsOf(first.report)}; merge shards of one run.`,
      );
    if (linesOf(report) !== linesOf(first.report))
      throw new ReportFileError(
        `${source} and ${first.source} have different pass lines; merge shards of one run.`,
      );
    const ids = [
      ...report.samples.map((sample) => sample.id),
      ...(report.sample_errors ?? []).map((error) => error.id),
      ...(report.not_run ?? []),
    ];
    for (const id of ids) {
      const earlier = owner.get(id);
      if (earlier !== undefined)
        throw new ReportFileError(
          `Sample '${id}' is in both ${earlier} and ${source}: shards must not overlap. Merge the reports of one --shard matrix (1/n … n/n).`,
        );
      owner.set(id, source);
    }
  }
  const stopped = reports.find(({ report }) => (report.status ?? 'complete') !== 'complete');
  return createEvalReport({
    datasetName: first.report.dataset,
    startedAt: Math.min(...reports.map(({ report }) => report.started_at)),
    finishedAt: Math.max(...reports.map(({ report }) => report.finished_at ?? report.started_at)),
    sampleResults: reports.flatMap(({ report }) => resultsOf(report)),
    failures: reports.flatMap(({ report }) =>
      report.failures.map((failure) => ({
        sampleId: failure.sample_id,
        metricName: failure.metric,
        error: failure.error,
        details: {},
        ...(failure.repeat === undefined ? {} : { repeat: failure.repeat }),
      })),
    ),
    status: stopped?.report.status ?? 'complete',
    stopReason:
      stopped === undefined
        ? null
        : `${stopped.source}: ${stopped.report.stop_reason ?? `it ended ${stopped.report.status}`}`,
    sampleErrors: reports.flatMap(({ report }) =>
      (report.sample_errors ?? []).map((error) => ({
        sampleId: error.id,
        error: error.error ?? `Sample '${error.id}' could not be answered.`,
        attempts: error.attempts ?? 1,
        ...(error.repeat === undefined ? {} : { repeat: error.repeat }),
      })),
    ),
    notRun: reports.flatMap(({ report }) => report.not_run ?? []),
    passLines: first.report.pass_lines ?? {},
  });
}
