import { resolve } from 'node:path';
import { compareWithBaseline, readSavedReport, type Baseline } from '../app/index.js';
import { writeFileAtomically } from '../atomic-write.js';
import { ReportFileError, UsageError } from '../errors.js';
import {
  DEFAULT_CONFIDENCE,
  parseConfidence,
  parseMaxDropGate,
  parseMaxRegressedGate,
  renderComparison,
  renderHtmlPage,
  runPageModel,
  type Comparison,
  type ComparisonGate,
  type ComparisonGateResult,
  type GatedReport,
  type HtmlGate,
  type HtmlModel,
  type RenderedComparison,
} from '../reports/index.js';
import { EVAL_HARNESS_VERSION } from '../version.js';
import type { CliIo } from './io.js';

/** The comparison flags of `run` and `adversarial`, as commander parses them. */
export interface ComparisonFlagOptions {
  baseline?: string;
  baselineOptional?: boolean;
  maxDrop: string[];
  maxRegressed?: string;
  confidence?: string;
  significant?: boolean;
  html?: string;
}

/** `--max-drop` (repeatable) and `--max-regressed`, parsed; shared with `compare`. */
export function parseComparisonGates(options: {
  readonly maxDrop: readonly string[];
  readonly maxRegressed?: string | undefined;
}): ComparisonGate[] {
  return [
    ...options.maxDrop.map(parseMaxDropGate),
    ...(options.maxRegressed === undefined ? [] : [parseMaxRegressedGate(options.maxRegressed)]),
  ];
}

/**
 * Load `--baseline` before the run: a file that is not a report of this tool stops the run
 * before it starts. A missing file is an error too, unless `--baseline-optional` (the first run
 * on a new branch has nothing to compare with), which adds a warning and skips the comparison.
 */
export async function loadBaselineFlag(
  options: ComparisonFlagOptions,
  io: CliIo,
  warnings: string[],
): Promise<Baseline | undefined> {
  const gates = parseComparisonGates(options);
  if (options.baseline === undefined) {
    const needs = [
      ['--baseline-optional', options.baselineOptional === true],
      ['--max-drop', options.maxDrop.length > 0],
      ['--max-regressed', options.maxRegressed !== undefined],
      ['--confidence', options.confidence !== undefined],
      ['--significant', options.significant === true],
    ].find(([, given]) => given);
    if (needs !== undefined)
      throw new UsageError(`${needs[0] as string} requires --baseline <report.json>.`);
    return undefined;
  }
  try {
    const report = await readSavedReport(resolve(io.cwd, options.baseline), options.baseline);
    return { source: options.baseline, report, gates, ...comparisonEvidenceOf(options) };
  } catch (error) {
    if (
      options.baselineOptional === true &&
      error instanceof ReportFileError &&
      error.code === 'E_REPORT_MISSING'
    ) {
      warnings.push(
        `--baseline ${options.baseline} does not exist; the comparison is skipped (--baseline-optional).`,
      );
      return undefined;
    }
    throw error;
  }
}

/** `--confidence` and `--significant`, shared with `compare`. */
export function comparisonEvidenceOf(options: {
  readonly confidence?: string | undefined;
  readonly significant?: boolean | undefined;
}): { confidence: number; significant: boolean } {
  return {
    confidence:
      options.confidence === undefined ? DEFAULT_CONFIDENCE : parseConfidence(options.confidence),
    significant: options.significant === true,
  };
}

/** The comparison with the baseline once the run is done, rendered for the report. */
export interface BaselineComparison {
  readonly rendered: RenderedComparison;
  readonly gates: readonly ComparisonGateResult[];
  readonly comparison: ReturnType<typeof compareWithBaseline>['comparison'];
}

export function compareRunWithBaseline(
  baseline: Baseline | undefined,
  outcomes: readonly GatedReport[],
  evalSet?: string,
): BaselineComparison | undefined {
  if (baseline === undefined) return undefined;
  const { comparison, gates } = compareWithBaseline(baseline, outcomes, evalSet);
  return {
    comparison,
    gates,
    rendered: renderComparison(
      comparison,
      { base: baseline.source, head: 'this run' },
      baseline.gates.length > 0 ? gates : undefined,
    ),
  };
}

/** One stderr warning per reason the two runs' scores may not be comparable. */
export function warnComparability(comparison: Comparison | undefined, io: CliIo): void {
  for (const dataset of comparison?.datasets ?? [])
    for (const warning of dataset.warnings)
      io.stderr.write(`warning: ${dataset.dataset}: ${warning}\n`);
}

/** One stderr line per failed comparison gate; 1 when any failed. */
export function reportComparisonGates(
  gates: readonly ComparisonGateResult[] | undefined,
  io: CliIo,
): 0 | 1 {
  let failed: 0 | 1 = 0;
  for (const gate of gates ?? []) {
    if (gate.message === null) continue;
    io.stderr.write(`${gate.message}\n`);
    failed = 1;
  }
  return failed;
}

/** Write an HTML page atomically and say where on stderr. */
export async function writeHtmlPage(model: HtmlModel, htmlPath: string, io: CliIo): Promise<void> {
  const path = resolve(io.cwd, htmlPath);
  const bytes = await writeFileAtomically(path, [renderHtmlPage(model)], 'HTML report');
  io.stderr.write(`Wrote ${bytes} bytes of HTML to ${path}\n`);
}

/** `--html` of a run: the page of its reports, with the baseline comparison when there is one. */
export async function writeRunHtml(
  options: { readonly html?: string | undefined },
  io: CliIo,
  page: {
    readonly title: string;
    readonly outcomes: readonly GatedReport[];
    readonly compared: BaselineComparison | undefined;
    readonly extraGates?: readonly HtmlGate[];
    readonly withholdInputs?: boolean;
  },
): Promise<void> {
  if (options.html === undefined) return;
  const model = runPageModel({
    title: page.title,
    generator: `eval-harness ${EVAL_HARNESS_VERSION}`,
    outcomes: page.outcomes,
    ...(page.compared === undefined
      ? {}
      : { comparison: page.compared.comparison, comparisonGates: page.compared.gates }),
    ...(page.extraGates === undefined ? {} : { extraGates: page.extraGates }),
    withholdInputs: page.withholdInputs === true,
  });
  await writeHtmlPage(model, options.html, io);
}
