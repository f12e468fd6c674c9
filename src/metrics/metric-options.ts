import type * as z from 'zod';
import { MetricSpecError } from '../errors.js';
import { suggestKey } from '../suggest.js';
import { debugType } from '../values.js';

/**
 * Settings of one use of a metric, written beside its name: in a config dataset entry
 * (`{ name: is-json, schema: ./answer.schema.json }`) or a sample's long-form check. They are
 * read once, when the run opens, so a bad option stops the run before any SUT call.
 */
export type MetricOptions = Readonly<Record<string, unknown>>;

/** Where a metric's options were written: relative file paths in them are read from `baseDir`. */
export interface MetricContext {
  readonly baseDir: string;
}

/** A metric named with its options, as a dataset lists it. */
export interface MetricEntry {
  readonly name: string;
  readonly options?: MetricOptions;
  /** The folder relative option paths are read from; the working directory when absent. */
  readonly baseDir?: string;
}

/** Whether a metric entry carries options (an empty object carries none). */
export function hasOptions(options: MetricOptions | undefined): options is MetricOptions {
  return options !== undefined && Object.keys(options).length > 0;
}

/**
 * A built-in metric's options, checked with its schema (a strict object): an unknown option is
 * refused with the nearest known one, a bad value names the option and what it must be.
 */
export function parseMetricOptions<T>(
  metric: string,
  schema: z.ZodType<T>,
  options: MetricOptions,
  known: readonly string[],
): T {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] as string;
    // `threshold` sits beside the options in every entry, so a typo of it lands here too.
    const suggestion = suggestKey(key, [...known, 'threshold']);
    const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
    throw new MetricSpecError(
      known.length === 0
        ? `Metric '${metric}' takes no options; got '${key}'${hint}.`
        : `Metric '${metric}' has no option '${key}'${hint}; its options are ${known.join(', ')}.`,
    );
  }
  const option = String(issue.path[0] ?? '');
  throw new MetricSpecError(
    `Metric '${metric}' option '${option}' ${issue.message}; got ${debugType(options[option])}.`,
  );
}
