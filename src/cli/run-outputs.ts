import { checkBaseline, type Baseline, type PreparedDataset } from '../app/index.js';
import {
  scoreGateFailureLines,
  type EvalReport,
  type GatedReport,
  type HtmlGate,
  type RenderedComparison,
} from '../reports/index.js';
import { ciOutputOf, writeCiOutput, type CiOutputOptions } from './github-output.js';
import {
  compareRunWithBaseline,
  reportComparisonGates,
  warnComparability,
  writeRunHtml,
} from './comparison-flags.js';
import { emitReport, writeCsv, writeJunit } from './emit-report.js';
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

/** `datasetFiles` for RunOutputs: each prepared dataset's file, when it came from one. */
export function datasetFilesOf(prepared: readonly PreparedDataset[]): {
  datasetFiles: ReadonlyMap<string, string>;
} {
  return {
    datasetFiles: new Map(
      prepared.flatMap(({ dataset }) =>
        dataset.sourcePath === undefined ? [] : [[dataset.name, dataset.sourcePath] as const],
      ),
    ),
  };
}

/** What a finished run writes: its report, JUnit XML, CSV and the HTML page. */
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
  /** Each dataset's file, so a CI annotation can point at a sample's line. */
  readonly datasetFiles?: ReadonlyMap<string, string>;
}

/**
 * Compare with the baseline, then write the report (stdout or `--out`), `--junit`, `--csv` and
 * `--html`, in that order: the report goes out first, so a later write that fails loses nothing it holds.
 * Returns the exit code of the comparison gates (0 or 1), after one stderr line per failure.
 */
export async function writeRunOutputs(
  options: {
    readonly out?: string | undefined;
    readonly junit?: string | undefined;
    readonly csv?: string | undefined;
    readonly html?: string | undefined;
    /** False with --no-progress: no closing summary line either. */
    readonly progress?: boolean | undefined;
  } & CiOutputOptions,
  io: CliIo,
  baseline: Baseline | undefined,
  outputs: RunOutputs,
): Promise<0 | 1> {
  // Checked before anything is written: a bad --annotations value is exit 2 like any flag.
  const ci = ciOutputOf(options, io);
  const compared = compareRunWithBaseline(baseline, outputs.outcomes, outputs.evalSet);
  warnComparability(compared?.comparison, io);
  await emitReport(() => outputs.render(compared?.rendered), options, io);
  if (options.junit !== undefined) await writeJunit(outputs.junitReports, options.junit, io);
  if (options.csv !== undefined) await writeCsv(outputs.outcomes, options.csv, io);
  await writeRunHtml(options, io, {
    title: outputs.title,
    outcomes: outputs.outcomes,
    compared,
    ...(outputs.extraGates === undefined ? {} : { extraGates: outputs.extraGates }),
    withholdInputs: outputs.withholdInputs === true,
  });
  await writeCiOutput(ci, io, {
    title: outputs.title,
    outcomes: outputs.outcomes,
    failedGates: [
      ...outputs.outcomes.flatMap((outcome) =>
        scoreGateFailureLines(outcome.report.datasetName, outcome.gates),
      ),
      ...(compared?.gates ?? []).flatMap((gate) => (gate.message === null ? [] : [gate.message])),
      ...(outputs.extraGates ?? []).flatMap((gate) =>
        gate.passed ? [] : [`${gate.label}: ${gate.detail}`],
      ),
    ],
    ...(compared === undefined ? {} : { comparison: compared.rendered.markdown }),
    ...(outputs.datasetFiles === undefined ? {} : { datasetFiles: outputs.datasetFiles }),
  });
  if (io.stderr.isTTY === true && options.progress !== false)
    io.stderr.write(`${finishedLine(outputs.outcomes, options)}\n`);
  return reportComparisonGates(compared?.gates, io);
}

/**
 * The one line a finished run leaves in a terminal, where the progress bar was: what ran, what
 * failed, how long it took and where the reports went.
 */
function finishedLine(
  outcomes: readonly GatedReport[],
  options: {
    readonly out?: string | undefined;
    readonly junit?: string | undefined;
    readonly csv?: string | undefined;
    readonly html?: string | undefined;
  },
): string {
  const sum = (count: (report: EvalReport) => number) =>
    outcomes.reduce((total, { report }) => total + count(report), 0);
  const seconds = sum((report) => Math.max(0, report.finishedAt - report.startedAt));
  const places = [
    `report ${options.out ?? 'on stdout'}`,
    ...(options.junit === undefined ? [] : [`JUnit ${options.junit}`]),
    ...(options.csv === undefined ? [] : [`CSV ${options.csv}`]),
    ...(options.html === undefined ? [] : [`HTML ${options.html}`]),
  ];
  return `Done: ${sum((r) => r.sampleResults.length)} sample(s) scored, ${sum((r) => r.failures.length)} metric failure(s), ${sum((r) => r.sampleErrors.length)} sample error(s), ${sum((r) => r.notRun.length)} not run, in ${seconds.toFixed(1)}s; ${places.join(', ')}.`;
}
