import { sampleTags } from '../datasets/index.js';
import { ReportSchemaError } from '../errors.js';
import { sampleAdversarial } from './adversarial-summary.js';
import { findIllFormedString } from '../values.js';
import {
  datasetSampleCount,
  durationSeconds,
  savedPassLines,
  type EvalReport,
  type SampleRepeat,
  type SampleResult,
} from './eval-report.js';
import type { ReportSummary } from './report-summary.js';
import type { ScoreGateResult } from './score-gate.js';

/** Additive keys appended after the spec's keys, only when used. */
export interface ReportJsonExtras {
  readonly gates?: readonly ScoreGateResult[];
  /** A `--baseline` comparison (buildComparisonJson), placed before `gates`. */
  readonly comparison?: Record<string, unknown>;
}

/** The report's top-level fields except `samples`, in the fixed key order of docs/REPORTS.md. */
function headAndTail(report: EvalReport, summary: ReportSummary, extras: ReportJsonExtras) {
  const head: Record<string, unknown> = {
    schema_version: report.schemaVersion,
    dataset_schema_version: report.datasetSchemaVersion,
    dataset: report.datasetName,
    started_at: report.startedAt,
    finished_at: report.finishedAt,
    duration_seconds: durationSeconds(report),
    total_samples: report.sampleResults.length,
    total_failures: report.failures.length,
    status: report.status,
    stop_reason: report.stopReason,
    dataset_samples: datasetSampleCount(report),
    errored_samples: report.sampleErrors.length,
    not_run_samples: report.notRun.length,
    pass_lines: report.passLines,
    metrics: summary.metrics,
    metric_distributions: summary.distributions,
    usage: summary.usage,
    cohorts: summary.cohorts,
    adversarial: summary.adversarial,
    macro_f1: summary.macroF1,
    ...(summary.judgeDisagreement.length === 0
      ? {}
      : { judge_disagreement: summary.judgeDisagreement }),
  };
  const tail: Record<string, unknown> = {
    failures: report.failures.map((failure) => ({
      sample_id: failure.sampleId,
      metric: failure.metricName,
      error: failure.error,
      ...(failure.repeat === undefined ? {} : { repeat: failure.repeat }),
    })),
    sample_errors: report.sampleErrors.map((error) => ({
      id: error.sampleId,
      error: error.error,
      attempts: error.attempts,
      ...(error.repeat === undefined ? {} : { repeat: error.repeat }),
    })),
    not_run: report.notRun,
    ...(report.providers === undefined ? {} : { providers: report.providers }),
    ...(report.selection === undefined ? {} : { selection: report.selection }),
  };
  if (report.budget !== undefined) tail['budget'] = report.budget;
  if (extras.comparison !== undefined) tail['comparison'] = extras.comparison;
  if (extras.gates !== undefined) tail['gates'] = extras.gates;
  return { head, tail };
}

function sampleRow(result: SampleResult): Record<string, unknown> {
  return {
    id: result.sample.id,
    tags: sampleTags(result.sample),
    adversarial: sampleAdversarial(result.sample),
    ...answerFields(result),
    ...(result.repeats === undefined ? {} : { repeats: result.repeats.map(answerFields) }),
    ...(result.attempts === undefined ? {} : { attempts: result.attempts }),
    ...savedPassLines(result.sample),
  };
}

/** A sample's (or a repeat's) output, retrieved ids, tool names and scores. */
function answerFields(result: SampleRepeat): Record<string, unknown> {
  const scores: Record<string, unknown> = {};
  for (const [name, score] of result.metricScores)
    scores[name] = { score: score.score, details: score.details };
  return {
    actual_output: result.actualOutput,
    // Ids and tool names only: retrieved texts and tool arguments stay out of reports.
    ...(result.retrieved === undefined
      ? {}
      : { retrieved_ids: result.retrieved.map((item) => item.id) }),
    ...(result.trajectory === undefined
      ? {}
      : { tools: result.trajectory.map((step) => step.tool) }),
    scores,
  };
}

/** The JSON report as one plain object (for library users and tests). */
export function buildReportJson(
  report: EvalReport,
  summary: ReportSummary,
  extras: ReportJsonExtras = {},
): Record<string, unknown> {
  const { head, tail } = headAndTail(report, summary, extras);
  return {
    ...head,
    samples: Array.from(report.sampleResults, sampleRow),
    ...tail,
  };
}

/**
 * The JSON report as a sequence of text chunks whose concatenation equals
 * `JSON.stringify(buildReportJson(...), null, 4)`. Rendering sample by sample keeps memory flat:
 * a 100,000-sample report is over 100 MB of text.
 *
 * Every string is checked before the first chunk is produced: a string that is not well-formed
 * Unicode (the JS form of invalid UTF-8) fails the whole encoding instead of being silently
 * escaped (docs/DECISIONS.md, invalid UTF-8), and nothing partial is ever emitted.
 */
export function renderJsonReportChunks(
  report: EvalReport,
  summary: ReportSummary,
  extras: ReportJsonExtras = {},
): Iterable<string> {
  const { head, tail } = headAndTail(report, summary, extras);
  const badPath =
    findIllFormedString(head) ?? findIllFormedString(tail) ?? firstIllFormedSample(report);
  if (badPath !== undefined) {
    throw new ReportSchemaError(
      `Failed to encode report as JSON: malformed UTF-8 at ${badPath}. The report contained values that cannot be serialised (most often invalid UTF-8 in actual_output or metric details).`,
      { code: 'E_REPORT_ENCODING' },
    );
  }
  return (function* () {
    const headText = JSON.stringify(head, null, 4);
    yield headText.slice(0, -2); // drop the closing "\n}"
    const results = report.sampleResults;
    if (results.length === 0) {
      yield ',\n    "samples": []';
    } else {
      yield ',\n    "samples": [';
      let first = true;
      for (const result of results) {
        const row = JSON.stringify(sampleRow(result), null, 4).replace(/\n/g, '\n        ');
        yield `${first ? '' : ','}\n        ${row}`;
        first = false;
      }
      yield '\n    ]';
    }
    for (const [key, value] of Object.entries(tail)) {
      yield `,\n    ${JSON.stringify(key)}: ${JSON.stringify(value, null, 4).replace(/\n/g, '\n    ')}`;
    }
    yield '\n}';
  })();
}

/** The whole JSON report as one string, without a trailing newline. */
export function renderJsonReport(
  report: EvalReport,
  summary: ReportSummary,
  extras: ReportJsonExtras = {},
): string {
  return [...renderJsonReportChunks(report, summary, extras)].join('');
}

function firstIllFormedSample(report: EvalReport): string | undefined {
  let i = -1;
  for (const result of report.sampleResults) {
    i++;
    if (!result.actualOutput.isWellFormed() || !result.sample.id.isWellFormed())
      return `$.samples[${i}]`;
    for (const [r, repeat] of (result.repeats ?? []).entries()) {
      if (!repeat.actualOutput.isWellFormed()) return `$.samples[${i}].repeats[${r}]`;
      for (const [name, score] of repeat.metricScores) {
        const found = findIllFormedString(
          score.details,
          `$.samples[${i}].repeats[${r}].scores.${name}.details`,
        );
        if (found !== undefined) return found;
      }
    }
    for (const [name, score] of result.metricScores) {
      if (!name.isWellFormed()) return `$.samples[${i}].scores`;
      const found = findIllFormedString(score.details, `$.samples[${i}].scores.${name}.details`);
      if (found !== undefined) return found;
    }
    if (sampleTags(result.sample).some((tag) => !tag.isWellFormed())) return `$.samples[${i}].tags`;
    if (result.retrieved?.some((item) => !item.id.isWellFormed()))
      return `$.samples[${i}].retrieved_ids`;
    if (result.trajectory?.some((step) => !step.tool.isWellFormed()))
      return `$.samples[${i}].tools`;
    const adversarial = findIllFormedString(
      sampleAdversarial(result.sample),
      `$.samples[${i}].adversarial`,
    );
    if (adversarial !== undefined) return adversarial;
  }
  return undefined;
}
