import { checkBaseline, type Baseline, type PreparedDataset } from '../app/index.js';
import type { EvalReport, GatedReport, HtmlGate, RenderedComparison } from '../reports/index.js';
import {
  compareRunWithBaseline,
  reportComparisonGates,
  warnComparability,
  writeRunHtml,
} from './comparison-flags.js';
import { emitReport, writeJunit } from './emit-report.js';
import type { CliIo } from './io.js';

/**
 * `--baseline` checked against what is about to run (dataset or eval set, metrics), after the
 * datasets are prepared and before anything runs.
 */
export function checkRunBaseline(
  baseline: Baseline | undefined,
  prepared: readonly PreparedDataset[],
  evalSet?: string,
): void {
  if (baseline === undefined) return;
  checkBaseline(baseline, {
    ...(evalSet === undefined ? {} : { evalSet }),
    datasets: prepared.map((entry) => entry.dataset.name),
    metrics: prepared.flatMap((entry) => entry.dataset.metrics.map((metric) => metric.name)),
  });
}

/** What a finished run writes: its report, JUnit XML and the HTML page. */
export interface RunOutputs {
  readonly title: string;
  readonly outcomes: readonly GatedReport[];
  readonly evalSet?: string;
  /** The report as JSON or Markdown, with the baseline comparison when there is one. */
  readonly render: (comparison: RenderedComparison | undefined) => Iterable<string>;
  readonly junitReports: readonly EvalReport[];
  readonly extraGates?: readonly HtmlGate[];
  /** Leave sample inputs out of the HTML page (adversarial sweeps). */
  readonly withholdInputs?: boolean;
}

/**
 * Compare with the baseline, then write the report (stdout or `--out`), `--junit` and `--html`,
 * in that order: the report goes out first, so a later write that fails loses nothing it holds.
 * Returns the exit code of the comparison gates (0 or 1), after one stderr line per failure.
 */
export async function writeRunOutputs(
  options: {
    readonly out?: string | undefined;
    readonly junit?: string | undefined;
    readonly html?: string | undefined;
  },
  io: CliIo,
  baseline: Baseline | undefined,
  outputs: RunOutputs,
): Promise<0 | 1> {
  const compared = compareRunWithBaseline(baseline, outputs.outcomes, outputs.evalSet);
  warnComparability(compared?.comparison, io);
  await emitReport(() => outputs.render(compared?.rendered), options, io);
  if (options.junit !== undefined) await writeJunit(outputs.junitReports, options.junit, io);
  await writeRunHtml(options, io, {
    title: outputs.title,
    outcomes: outputs.outcomes,
    compared,
    ...(outputs.extraGates === undefined ? {} : { extraGates: outputs.extraGates }),
    withholdInputs: outputs.withholdInputs === true,
  });
  return reportComparisonGates(compared?.gates, io);
}
