import { resolve } from 'node:path';
import { renderAdversarialReport } from '../../adversarial/index.js';
import { writeFileAtomically } from '../../atomic-write.js';
import { renderEvalSetJson, renderEvalSetMarkdown } from '../../eval-sets/index.js';
import {
  renderCsvReport,
  renderHtmlPage,
  renderJsonReportChunks,
  renderJunitReports,
  renderMarkdownReport,
  runPageModel,
  type GatedReport,
} from '../../reports/index.js';
import { EVAL_HARNESS_VERSION } from '../../version.js';
import type { RunResult } from './execute-run.js';

/** The report's format and the length of its list of samples below the pass line. */
export interface ReportFormat {
  readonly json: boolean;
  /** Markdown: samples listed below the pass line. */
  readonly maxRows?: number | undefined;
}

/**
 * The run's report as JSON or Markdown, with the baseline comparison when there is one: one
 * dataset's report, an eval set's, or an adversarial sweep's. Rendering checks the whole report
 * before the first chunk, so an encoding failure leaves no file behind and prints nothing.
 */
export function renderRunReport(result: RunResult, format: ReportFormat): Iterable<string> {
  const comparison = result.comparison?.rendered;
  const maxRows = format.maxRows === undefined ? {} : { maxRows: format.maxRows };
  if (result.kind === 'eval-set' && result.evalSet !== undefined)
    return [
      format.json
        ? renderEvalSetJson(result.evalSet, result.outcomes, comparison)
        : renderEvalSetMarkdown(result.evalSet, result.outcomes, comparison, format.maxRows),
    ];
  const outcome = result.outcomes[0] as GatedReport;
  if (result.kind === 'adversarial')
    return [
      renderAdversarialReport(
        outcome,
        outcome.summary,
        result.sweep?.gateResult,
        format.json,
        comparison,
        format.maxRows,
      ),
    ];
  const gates = outcome.gates === undefined ? {} : { gates: outcome.gates };
  return format.json
    ? renderJsonReportChunks(outcome.report, outcome.summary, {
        ...gates,
        ...(comparison === undefined ? {} : { comparison: comparison.json }),
      })
    : [
        renderMarkdownReport(outcome.report, outcome.summary, {
          ...gates,
          ...maxRows,
          ...(comparison === undefined ? {} : { comparison: comparison.markdown }),
        }),
      ];
}

/** The report files a run writes besides its main report (JUnit, CSV, HTML). */
export interface ReportFiles {
  readonly junit?: string | undefined;
  readonly csv?: string | undefined;
  readonly html?: string | undefined;
}

/** One file written: what it holds, where, and its size. */
export interface WrittenFile {
  readonly what: 'JUnit XML' | 'CSV' | 'HTML';
  readonly path: string;
  readonly bytes: number;
}

/**
 * Write the JUnit, CSV and HTML reports the run was asked for, each atomically and in that
 * order, telling `onWritten` after each: a later write that fails loses nothing already written.
 * Paths are relative to `cwd`. An adversarial sweep's page leaves out the attack prompts.
 */
export async function writeReportFiles(
  result: RunResult,
  files: ReportFiles,
  cwd: string,
  onWritten: (file: WrittenFile) => void = () => undefined,
): Promise<void> {
  const write = async (what: WrittenFile['what'], given: string, text: string, label: string) => {
    const path = resolve(cwd, given);
    onWritten({ what, path, bytes: await writeFileAtomically(path, [text], label) });
  };
  if (files.junit !== undefined)
    await write(
      'JUnit XML',
      files.junit,
      renderJunitReports(
        result.evalSet?.reports ?? result.outcomes.map((outcome) => outcome.report),
      ),
      'JUnit report',
    );
  if (files.csv !== undefined)
    await write('CSV', files.csv, renderCsvReport(result.outcomes), 'CSV report');
  if (files.html !== undefined) {
    const compared = result.comparison;
    const model = runPageModel({
      title: result.title,
      generator: `eval-harness ${EVAL_HARNESS_VERSION}`,
      outcomes: result.outcomes,
      ...(compared === undefined
        ? {}
        : { comparison: compared.comparison, comparisonGates: compared.gates }),
      extraGates: result.extraGates,
      withholdInputs: result.kind === 'adversarial',
    });
    await write('HTML', files.html, renderHtmlPage(model), 'HTML report');
  }
}
