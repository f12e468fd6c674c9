import { appendFile, readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { UsageError, errorMessage, InfraError } from '../errors.js';
import {
  renderStepSummary,
  runOutcomeLine,
  samplesBelowPassLine,
  STEP_SUMMARY_ROWS,
  type GatedReport,
} from '../reports/index.js';
import type { CliIo } from './io.js';

/** `--annotations <format>` / `--no-annotations`, as commander parses them. */
export interface CiOutputOptions {
  readonly annotations?: string | boolean;
}

/** Where a command's CI output goes: GitHub's job summary file, and annotation lines. */
export interface CiOutput {
  readonly summaryPath: string | undefined;
  readonly annotations: boolean;
}

/**
 * GitHub-native output: the job summary when `GITHUB_STEP_SUMMARY` names a file, and `::error` /
 * `::warning` annotation lines with `--annotations github`, on by default under
 * `GITHUB_ACTIONS=true` (`--no-annotations` turns them off).
 */
export function ciOutputOf(options: CiOutputOptions, io: CliIo): CiOutput {
  const flag = options.annotations;
  if (typeof flag === 'string' && flag !== 'github')
    throw new UsageError(
      `The --annotations option takes 'github' (the only format so far); got '${flag}'. Use --no-annotations to turn them off.`,
    );
  const summaryPath = io.env['GITHUB_STEP_SUMMARY'];
  return {
    summaryPath: summaryPath === undefined || summaryPath === '' ? undefined : summaryPath,
    annotations: flag === 'github' || (flag === undefined && io.env['GITHUB_ACTIONS'] === 'true'),
  };
}

/** What a finished command tells CI. */
export interface CiReport {
  readonly title: string;
  readonly outcomes: readonly GatedReport[];
  /** One line per failed gate. */
  readonly failedGates: readonly string[];
  /** The `--baseline` comparison or `compare`'s, as Markdown. */
  readonly comparison?: string;
  /** Each dataset's file, so an annotation can point at a sample's line. */
  readonly datasetFiles?: ReadonlyMap<string, string>;
}

/**
 * Append the job summary and print the annotations. Annotations go to stderr: the Actions runner
 * reads workflow commands from both streams, and stdout carries the report (`--json | jq` must
 * keep working). A summary that cannot be written is an error after the reports are out (they
 * are written first), never a lost run.
 */
export async function writeCiOutput(ci: CiOutput, io: CliIo, report: CiReport): Promise<void> {
  if (ci.summaryPath !== undefined) {
    try {
      await appendFile(ci.summaryPath, renderStepSummary(report));
    } catch (error) {
      throw new InfraError(
        `Cannot append the job summary to ${ci.summaryPath} (GITHUB_STEP_SUMMARY): ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }
  if (!ci.annotations) return;
  for (const gate of report.failedGates)
    io.stderr.write(`::error title=${property('eval-harness gate')}::${message(gate)}\n`);
  for (const { report: run } of report.outcomes)
    if (run.status !== 'complete')
      io.stderr.write(
        `::error title=${property(`eval-harness: ${run.datasetName}`)}::${message(`${runOutcomeLine(run)} ${run.stopReason ?? ''}`.trim())}\n`,
      );
  // The worst samples across the run, at most ten, each at its line of the dataset file.
  let left = STEP_SUMMARY_ROWS;
  for (const { report: run } of report.outcomes) {
    if (left <= 0) break;
    const file = report.datasetFiles?.get(run.datasetName);
    const lines = file === undefined ? undefined : await readLines(file);
    for (const sample of samplesBelowPassLine(run, left).worst) {
      left--;
      const at =
        file === undefined
          ? ''
          : `file=${property(relative(io.cwd, file))},${lineOf(lines, sample.id)}`;
      io.stderr.write(
        `::warning ${at}title=${property(`${run.datasetName}: sample ${sample.id}`)}::${message(sample.why.join('; '))}\n`,
      );
    }
  }
}

/** The dataset file's lines for annotations; without them an annotation names no line. */
async function readLines(file: string): Promise<string[] | undefined> {
  return (await readFile(file, 'utf8').catch(() => undefined))?.split('\n');
}

/** `line=N,` for the line that declares the sample's id in a YAML or JSON dataset, if found. */
function lineOf(lines: readonly string[] | undefined, id: string): string {
  if (lines === undefined) return '';
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const declares = new RegExp(`["']?id["']?\\s*:\\s*["']?${escaped}["']?\\s*(,|}|$)`);
  const index = lines.findIndex((line) => declares.test(line));
  return index < 0 ? '' : `line=${index + 1},`;
}

/** Annotation text: `%`, CR and LF escaped as GitHub's workflow commands require. */
function message(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** An annotation property: also `:` and `,`. */
function property(text: string): string {
  return message(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
