import { resolve } from 'node:path';
import { compareReportFiles } from '../../app/index.js';
import {
  buildComparisonJson,
  comparePageModel,
  renderComparisonMarkdown,
  type SavedDatasetReport,
  type SavedReport,
} from '../../reports/index.js';
import { EVAL_HARNESS_VERSION } from '../../version.js';
import {
  comparisonEvidenceOf,
  parseComparisonGates,
  reportComparisonGates,
  warnComparability,
  writeHtmlPage,
} from '../comparison-flags.js';
import { emitReport } from '../emit-report.js';
import { ciOutputOf, writeCiOutput } from '../github-output.js';
import type { CliIo } from '../io.js';
import { checkFilePathFlags } from '../path-flags.js';

/** Options of `eval-harness compare`, as commander parses them. */
export interface CompareCommandOptions {
  json?: boolean;
  out?: string;
  html?: string;
  maxDrop: string[];
  maxRegressed?: string;
  confidence?: string;
  significant?: boolean;
  allowDatasetMismatch?: boolean;
  annotations?: string | boolean;
}

const byDataset = (report: SavedReport): Map<string, SavedDatasetReport> =>
  new Map(
    (report.kind === 'dataset' ? [report.report] : report.reports).map((r) => [r.dataset, r]),
  );

/** `eval-harness compare <base.json> <head.json>`: returns the exit code. */
export async function compareCommand(
  basePath: string,
  headPath: string,
  options: CompareCommandOptions,
  io: CliIo,
): Promise<number> {
  checkFilePathFlags([
    ['--out', options.out],
    ['--html', options.html],
  ]);
  const gates = parseComparisonGates(options);
  const ci = ciOutputOf(options, io);
  const compared = await compareReportFiles(
    { path: resolve(io.cwd, basePath), source: basePath },
    { path: resolve(io.cwd, headPath), source: headPath },
    {
      gates,
      allowDatasetMismatch: options.allowDatasetMismatch === true,
      ...comparisonEvidenceOf(options),
      wholeRows: options.html !== undefined,
    },
  );
  const sources = { base: basePath, head: headPath };
  warnComparability(compared.comparison, io);
  const gateResults = gates.length > 0 ? compared.gates : undefined;
  await emitReport(
    () => [
      options.json === true
        ? JSON.stringify(buildComparisonJson(compared.comparison, sources, gateResults), null, 4)
        : renderComparisonMarkdown(compared.comparison, sources, gateResults),
    ],
    options,
    io,
  );
  if (options.html !== undefined) {
    const model = comparePageModel({
      title: `Comparison — ${basePath} → ${headPath}`,
      generator: `eval-harness ${EVAL_HARNESS_VERSION}`,
      comparison: compared.comparison,
      base: byDataset(compared.base),
      head: byDataset(compared.head),
      gates: compared.gates,
    });
    await writeHtmlPage(model, options.html, io);
  }
  await writeCiOutput(ci, io, {
    title: `eval-harness comparison — ${basePath} → ${headPath}`,
    outcomes: [],
    failedGates: compared.gates.flatMap((gate) => (gate.message === null ? [] : [gate.message])),
    comparison: renderComparisonMarkdown(compared.comparison, sources, gateResults).replace(
      /^(#+) /gm,
      '#$1 ',
    ),
  });
  return reportComparisonGates(compared.gates, io);
}
