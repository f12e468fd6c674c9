import { resolve } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { EvalEngine } from '../../engine/index.js';
import { UsageError } from '../../errors.js';
import {
  checkGateMetrics,
  evaluateScoreGates,
  parseScoreGate,
  renderJsonReportChunks,
  renderJunitReport,
  renderMarkdownReport,
  summarizeReport,
  type EvalReport,
  type ScoreGateResult,
} from '../../reports/index.js';
import { loadSavedOutputsFile } from '../../sut/index.js';
import type { CliIo } from '../io.js';
import { prepareDataset, registerConfigMetrics, resolveRunner } from '../run-setup.js';
import { writeChunks, writeFileAtomically } from '../write-file.js';

/** Options of `eval-harness run`, as commander parses them. */
export interface RunCommandOptions {
  config?: string;
  sut?: string;
  metric: string[];
  outputs?: string;
  json?: boolean;
  markdown?: boolean;
  out?: string;
  junit?: string;
  failUnder: string[];
}

/** `eval-harness run <dataset>`: returns the exit code (design.md §3). */
export async function runCommand(
  datasetArg: string,
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  if (options.outputs !== undefined && options.outputs.trim() === '') {
    throw new UsageError('The --outputs option requires a non-empty file path.');
  }
  for (const [flag, value] of [
    ['--out', options.out],
    ['--junit', options.junit],
  ] as const) {
    if (value !== undefined && value.trim() === '')
      throw new UsageError(`The ${flag} option requires a non-empty file path.`);
  }
  options.metric.forEach((metric, index) => {
    if (metric.trim() === '')
      throw new UsageError(
        `The --metric option value at index ${index} must be a non-empty string.`,
      );
  });
  const gates = options.failUnder.map(parseScoreGate);

  const loaded = await loadConfig({ cwd: io.cwd, configPath: options.config, env: io.env });
  const engine = new EvalEngine({ runtime: { raiseExceptions: loaded.runtime.raiseExceptions } });
  await registerConfigMetrics(engine, loaded);
  const dataset = await prepareDataset(engine, loaded, {
    dataset: datasetArg,
    metricFlags: options.metric,
    cwd: io.cwd,
  });
  checkGateMetrics(
    gates,
    dataset.metrics.map((metric) => metric.name),
  );

  let report: EvalReport;
  if (options.outputs !== undefined) {
    const outputs = await loadSavedOutputsFile(resolve(io.cwd, options.outputs));
    report = await engine.scoreOutputs(dataset.name, outputs);
  } else {
    const runner = await resolveRunner(loaded, options.sut, io.cwd);
    report = await engine.run(dataset.name, runner);
  }

  const summary = summarizeReport(report);
  const gateResults: ScoreGateResult[] | undefined =
    gates.length > 0 ? evaluateScoreGates(gates, summary) : undefined;
  const extras = gateResults === undefined ? {} : { gates: gateResults };
  // Rendering checks the whole report before the first chunk, so an encoding failure leaves no
  // file behind and prints nothing.
  const render = (): Iterable<string> =>
    options.json === true
      ? renderJsonReportChunks(report, summary, extras)
      : [renderMarkdownReport(report, summary, extras)];
  const junit = options.junit !== undefined ? renderJunitReport(report) : undefined;

  await emitReport(render, options, io);
  if (junit !== undefined && options.junit !== undefined) {
    const path = resolve(io.cwd, options.junit);
    const bytes = await writeFileAtomically(path, [junit], 'JUnit report');
    io.stderr.write(`Wrote ${bytes} bytes of JUnit XML to ${path}\n`);
  }

  for (const gate of gateResults ?? []) {
    if (!gate.passed) {
      const target =
        gate.aggregate === 'macro_f1' ? 'macro_f1' : `${gate.metric}:${gate.aggregate}`;
      io.stderr.write(
        `Score gate failed: ${target} is ${gate.actual.toFixed(4)}, below --fail-under ${gate.threshold}\n`,
      );
    }
  }
  if (report.failures.length > 0) {
    io.stderr.write(
      `${report.failures.length} metric failure(s) captured; see the report's failures.\n`,
    );
  }
  const gateFailed = gateResults?.some((gate) => !gate.passed) ?? false;
  return report.failures.length > 0 || gateFailed ? 1 : 0;
}

/**
 * Report to `--out` or stdout. If the file cannot be written, the report still goes to stdout
 * before the error is raised, so a long run's results are never lost.
 */
async function emitReport(
  render: () => Iterable<string>,
  options: RunCommandOptions,
  io: CliIo,
): Promise<void> {
  if (options.out === undefined) {
    await writeChunks(io.stdout, withNewline(render()));
    return;
  }
  const path = resolve(io.cwd, options.out);
  try {
    const bytes = await writeFileAtomically(path, render(), 'report');
    io.stderr.write(`Wrote ${bytes} bytes to ${path}\n`);
  } catch (error) {
    await writeChunks(io.stdout, withNewline(render()));
    throw error;
  }
}

/** On stdout the report is followed by a newline; files hold the payload alone. */
function* withNewline(chunks: Iterable<string>): Iterable<string> {
  yield* chunks;
  yield '\n';
}
