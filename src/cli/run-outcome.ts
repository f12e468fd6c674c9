import { EXIT_CODES } from '../errors.js';
import { runOutcomeLine, scoreGateFailureLines, type GatedReport } from '../reports/index.js';
import { interruptedExitCode, type CliIo } from './io.js';

/** Sample errors named one per line on stderr; the report lists them all. */
const MAX_ERROR_LINES = 5;

/**
 * Stderr lines for failed gates, captured failures, sample errors and a run that stopped early;
 * the exit code of one dataset: 3 when it stopped on an error, 130 / 143 when interrupted, 1
 * when anything failed (a gate, a metric, a sample the SUT could not answer, a budget stop),
 * else 0. `reportAt` says where the report went, for the lines of a stopped run.
 */
export function datasetOutcomeExitCode(
  outcome: GatedReport,
  io: CliIo,
  reportAt = 'the report',
): number {
  const { report } = outcome;
  const prefix = report.datasetName;
  for (const line of scoreGateFailureLines(prefix, outcome.gates)) io.stderr.write(`${line}\n`);
  const failures = report.failures.length;
  if (failures > 0)
    io.stderr.write(
      `${prefix}: ${failures} metric failure(s) captured; see the report's failures.\n`,
    );
  for (const error of report.sampleErrors.slice(0, MAX_ERROR_LINES)) {
    io.stderr.write(`${prefix}: sample error: ${error.error}\n`);
    if (io.debug === true && error.cause !== undefined)
      io.stderr.write(`Caused by: ${stackOf(error.cause)}\n`);
  }
  if (report.sampleErrors.length > MAX_ERROR_LINES)
    io.stderr.write(
      `${prefix}: … and ${report.sampleErrors.length - MAX_ERROR_LINES} more sample error(s); see the report's sample_errors.\n`,
    );
  const cached = outcome.summary.usage.cached_calls ?? 0;
  if (cached > 0)
    io.stderr.write(
      `note: ${prefix}: ${cached} answer(s) or score(s) came from the response cache; pass --no-cache to call everything afresh.\n`,
    );
  const failed =
    failures > 0 ||
    report.sampleErrors.length > 0 ||
    (outcome.gates?.some((gate) => !gate.passed) ?? false);
  switch (report.status) {
    case 'budget-halted':
      // A run its budget stopped is never green: what it did not run was not evaluated.
      io.stderr.write(
        `Budget reached (${prefix}): ${report.budget?.reason ?? 'the run was stopped'}; the report covers the samples that ran.\n`,
      );
      return EXIT_CODES.evaluationFailed;
    case 'interrupted':
      io.stderr.write(
        `${prefix}: ${runOutcomeLine(report)} The partial report is in ${reportAt}; rerun with --resume <report.json> (a report written with --json) to finish it.\n`,
      );
      return io.interrupt === undefined ? 130 : interruptedExitCode(io.interrupt);
    case 'stopped-on-error':
      io.stderr.write(
        `error: ${prefix}: ${runOutcomeLine(report)} ${capitalize(report.stopReason ?? 'it stopped')}${/[.!?]$/.test(report.stopReason ?? '') ? '' : '.'} The report in ${reportAt} covers every sample; --max-errors <n> goes on past sample errors, --resume <report.json> runs the rest.\n`,
      );
      return EXIT_CODES.runtimeFailure;
    default:
      return failed ? EXIT_CODES.evaluationFailed : EXIT_CODES.ok;
  }
}

function stackOf(cause: unknown): string {
  return cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
