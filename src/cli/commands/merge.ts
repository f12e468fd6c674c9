import { mergeReportFiles } from '../../app/index.js';
import { parseCountFlag } from '../../flag-values.js';
import {
  evaluateScoreGates,
  parseScoreGate,
  renderJsonReportChunks,
  renderMarkdownReport,
  summarizeReport,
} from '../../reports/index.js';
import { emitReport } from '../emit-report.js';
import type { CliIo } from '../io.js';
import { checkFilePathFlags } from '../path-flags.js';
import { datasetOutcomeExitCode } from '../run-outcome.js';

/** Options of `eval-harness merge`, as commander parses them. */
export interface MergeCommandOptions {
  json?: boolean;
  out?: string;
  failUnder: string[];
  maxRows?: string;
}

/**
 * `eval-harness merge <report.json>…`: one dataset's shard reports joined into one report, its
 * aggregates over every sample, with the score gates applied; returns the exit code as a run
 * of the whole dataset would.
 */
export async function mergeCommand(
  paths: readonly string[],
  options: MergeCommandOptions,
  io: CliIo,
): Promise<number> {
  checkFilePathFlags([['--out', options.out], ...paths.map((path) => ['<report>', path] as const)]);
  const gates = options.failUnder.map(parseScoreGate);
  const maxRows =
    options.maxRows === undefined
      ? undefined
      : parseCountFlag('--max-rows', options.maxRows, Number.MAX_SAFE_INTEGER);
  const report = await mergeReportFiles(
    paths.map((path) => ({ path, source: path })),
    io.cwd,
  );
  const summary = summarizeReport(report);
  const results = gates.length > 0 ? evaluateScoreGates(gates, summary) : undefined;
  const extras = results === undefined ? {} : { gates: results };
  await emitReport(
    () =>
      options.json === true
        ? renderJsonReportChunks(report, summary, extras)
        : [
            renderMarkdownReport(report, summary, {
              ...extras,
              ...(maxRows === undefined ? {} : { maxRows }),
            }),
          ],
    options,
    io,
  );
  return datasetOutcomeExitCode({ report, summary, gates: results }, io, options.out ?? 'stdout');
}
