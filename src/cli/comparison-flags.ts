import { resolve } from 'node:path';
import type { BaselineRequest } from '../app/index.js';
import { writeFileAtomically } from '../atomic-write.js';
import { UsageError } from '../errors.js';
import {
  DEFAULT_CONFIDENCE,
  parseConfidence,
  parseMaxDropGate,
  parseMaxRegressedGate,
  renderHtmlPage,
  type Comparison,
  type ComparisonGate,
  type ComparisonGateResult,
  type HtmlModel,
} from '../reports/index.js';
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
 * `--baseline` and its flags as a request; the flags that only mean something with a baseline
 * are an error without one. The file is read when the run opens.
 */
export function baselineRequestOf(options: ComparisonFlagOptions): BaselineRequest | undefined {
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
  return {
    path: options.baseline,
    optional: options.baselineOptional === true,
    gates,
    ...comparisonEvidenceOf(options),
  };
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
