import { resolve } from 'node:path';
import { regressionGateLine } from '../adversarial/index.js';
import {
  dryRunPlanOf,
  executeRun,
  openRun,
  renderRunReport,
  writeReportFiles,
  type OpenedRun,
  type RunRequest,
  type RunResult,
} from '../app/index.js';
import { INTERRUPT_GRACE_MS } from '../batches/index.js';
import { EXIT_CODES } from '../errors.js';
import { scoreGateFailureLines, type EvalReport } from '../reports/index.js';
import { reportComparisonGates, warnComparability } from './comparison-flags.js';
import { printDryRunPlan } from './dry-run-plan.js';
import { emitReport } from './emit-report.js';
import { ciOutputOf, writeCiOutput } from './github-output.js';
import { listenForInterrupt, type CliIo } from './io.js';
import { createProgressDisplay, type ProgressDisplay } from './progress-display.js';
import { reportFormatOf, type RunCommandOptions } from './run-flags.js';
import { datasetOutcomeExitCode } from './run-outcome.js';

/**
 * `run`, `run --eval-set` and `adversarial` alike: open the run (every input checked, exit 2
 * before anything is called), print the plan for `--dry-run`, else run it with progress on
 * stderr, write the report (stdout or `--out`) and the JUnit, CSV and HTML files, the CI
 * summary, and say on stderr what failed. Returns the exit code.
 */
export async function runAndReport(
  request: RunRequest,
  flagWarnings: readonly string[],
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  const format = reportFormatOf(options);
  // Checked before anything runs: a bad --annotations value is exit 2 like any flag.
  const ci = ciOutputOf(options, io);
  const opened = await openRun(request);
  for (const warning of [...flagWarnings, ...opened.warnings])
    io.stderr.write(`warning: ${warning}\n`);
  if (options.dryRun === true) {
    printDryRunPlan(io, dryRunPlanOf(opened), format.json);
    return EXIT_CODES.ok;
  }
  const result = await executeWithProgress(opened, options, io);

  const reportAt = options.out ?? 'stdout';
  warnComparability(result.comparison?.comparison, io);
  await emitReport(() => renderRunReport(result, format), options, io);
  await writeReportFiles(result, options, io.cwd, (file) =>
    io.stderr.write(`Wrote ${file.bytes} bytes of ${file.what} to ${file.path}\n`),
  );
  if (result.sampleLines !== undefined)
    io.stderr.write(
      `Wrote ${result.sampleLines.lines} sample line(s) of JSON Lines to ${result.sampleLines.path}\n`,
    );
  await writeCiOutput(ci, io, {
    title: result.title,
    outcomes: result.outcomes,
    failedGates: [
      ...result.outcomes.flatMap((outcome) =>
        scoreGateFailureLines(outcome.report.datasetName, outcome.gates),
      ),
      ...(result.comparison?.gates ?? []).flatMap((gate) =>
        gate.message === null ? [] : [gate.message],
      ),
      ...result.extraGates.flatMap((gate) =>
        gate.passed ? [] : [`${gate.label}: ${gate.detail}`],
      ),
    ],
    ...(result.comparison === undefined ? {} : { comparison: result.comparison.rendered.markdown }),
    datasetFiles: result.datasetFiles,
  });
  if (io.stderr.isTTY === true && options.progress !== false)
    io.stderr.write(`${finishedLine(result, options)}\n`);
  const comparisonGates = reportComparisonGates(result.comparison?.gates, io);
  // The reports are out; now a sweep's manifest that could not be written fails the command.
  if (result.sweep?.recordError !== undefined) throw result.sweep.recordError;
  return Math.max(
    comparisonGates,
    ...result.outcomes.map((outcome) => datasetOutcomeExitCode(outcome, io, reportAt)),
    evalSetExitCode(result, options, io),
    sweepExitCode(result, io),
  );
}

/**
 * Run with a progress display per dataset, and the first Ctrl-C the run's to handle: the
 * running dataset stops, keeps its partial report, and (in an eval set) the set stops after it.
 * Between two datasets the listener keeps a Ctrl-C from ending the process mid manifest write.
 */
async function executeWithProgress(
  opened: OpenedRun,
  options: RunCommandOptions,
  io: CliIo,
): Promise<RunResult> {
  let display: ProgressDisplay | undefined;
  const stopListening = listenForInterrupt(io, () => {
    const line = `${String(io.interrupt?.reason ?? 'interrupt')} received: stopping; samples in flight get up to ${INTERRUPT_GRACE_MS / 1000} s to finish, then the report is written (press Ctrl-C again to exit at once).`;
    if (display === undefined) io.stderr.write(`${line}\n`);
    else display.log(line);
  });
  try {
    return await executeRun(opened, {
      datasetStarting: async () => {
        const shown = await createProgressDisplay({
          io,
          enabled: options.progress !== false,
          progressFile:
            options.progressFile === undefined ? undefined : resolve(io.cwd, options.progressFile),
        });
        display = shown;
        return {
          progress: shown.reporter,
          onSampleDone: (progress) => shown.onSampleDone(progress),
          onDispatchActivity: (activity) => shown.onDispatchActivity(activity),
          onWarning: (message) => shown.log(`warning: ${message}`),
          onLocalWorkerFailure: (line) => shown.log(`local worker: ${line}`),
          finished: () => {
            shown.stop();
            display = undefined;
          },
        };
      },
    });
  } finally {
    stopListening();
  }
}

/** Where an eval set stopped, or that it was interrupted; exit 3 when a dataset failed to run. */
function evalSetExitCode(result: RunResult, options: RunCommandOptions, io: CliIo): number {
  const set = result.evalSet;
  if (set === undefined) return EXIT_CODES.ok;
  const name = set.definition.name;
  if (set.interrupted)
    io.stderr.write(
      `Eval set '${name}' interrupted: ${options.manifest === undefined ? 'no --manifest was given, so the set will start over next time' : `rerun with --manifest ${options.manifest} to resume`}.\n`,
    );
  if (set.stoppedBy === null) return EXIT_CODES.ok;
  const { dataset, error, previously } = set.stoppedBy;
  const retry =
    options.manifest === undefined
      ? ''
      : ` Fix it, then run again with --manifest ${options.manifest} --retry-failed to retry it.`;
  io.stderr.write(
    `error: eval set '${name}' stopped at dataset '${dataset}' (${previously ? 'failed in an earlier run' : 'failed'}): ${error.replace(/\.$/, '')}.${retry}\n`,
  );
  // A dataset that failed to run (now or in an earlier run) is a runtime failure.
  return EXIT_CODES.runtimeFailure;
}

/** A sweep that was not recorded, and the regression gate's line; 1 when the gate failed. */
function sweepExitCode(result: RunResult, io: CliIo): number {
  const sweep = result.sweep;
  const outcome = result.outcomes[0];
  if (sweep === undefined || outcome === undefined) return EXIT_CODES.ok;
  const { report } = outcome;
  if (sweep.recording !== undefined && !sweep.recorded)
    io.stderr.write(
      `${report.datasetName}: the sweep ended ${report.status}, so it is not recorded in ${sweep.recording.manifestPath} and no regression gate runs.\n`,
    );
  const gate = sweep.recording?.gate;
  if (sweep.gateResult === undefined || gate === undefined) return EXIT_CODES.ok;
  io.stderr.write(
    `${regressionGateLine(sweep.gateResult, gate.maxDrop, report.failures.length > 0)}\n`,
  );
  return sweep.gateResult.status === 'fail' ? EXIT_CODES.evaluationFailed : EXIT_CODES.ok;
}

/**
 * The one line a finished run leaves in a terminal, where the progress bar was: what ran, what
 * failed, how long it took and where the reports went.
 */
function finishedLine(result: RunResult, options: RunCommandOptions): string {
  const sum = (count: (report: EvalReport) => number) =>
    result.outcomes.reduce((total, { report }) => total + count(report), 0);
  const seconds = sum((report) => Math.max(0, report.finishedAt - report.startedAt));
  const places = [
    `report ${options.out ?? 'on stdout'}`,
    ...(options.junit === undefined ? [] : [`JUnit ${options.junit}`]),
    ...(options.csv === undefined ? [] : [`CSV ${options.csv}`]),
    ...(options.html === undefined ? [] : [`HTML ${options.html}`]),
  ];
  return `Done: ${sum((r) => r.sampleResults.length)} sample(s) scored, ${sum((r) => r.failures.length)} metric failure(s), ${sum((r) => r.sampleErrors.length)} sample error(s), ${sum((r) => r.notRun.length)} not run, in ${seconds.toFixed(1)}s; ${places.join(', ')}.`;
}
