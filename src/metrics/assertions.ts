// Deterministic assertions: checks app teams write first, each reading its target from the
// sample's expected_output and scoring 0 or 1 unless said, with details naming what failed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import * as z from 'zod';
import { distance } from 'fastest-levenshtein';
import type { DatasetSample } from '../datasets/index.js';
import { MetricError, MetricSpecError, errorMessage } from '../errors.js';
import { priceBookCost, type PriceBook } from '../price-book.js';
import { debugType, isPlainObject } from '../values.js';
import type { SutAnswer } from '../sut/index.js';
import { expectedString } from './_expected.js';
import { createMetricScore, type Metric, type MetricScore } from './metric.js';
import { parseMetricOptions, type MetricContext, type MetricOptions } from './metric-options.js';

/** The expected output as a list of non-empty strings: one string, or a list of them. */
function expectedStrings(sample: DatasetSample, metric: string): string[] {
  const expected = sample.expectedOutput;
  const list = typeof expected === 'string' ? [expected] : expected;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((entry) => typeof entry === 'string' && entry !== '')
  )
    throw new MetricError(
      `Sample '${sample.id}' expected_output must be a non-empty string or a list of them for ${metric} metric; got ${debugType(expected)}.`,
    );
  return list as string[];
}

/** 1 when the answer starts with the expected text (leading whitespace ignored). */
export class StartsWithMetric implements Metric {
  readonly name = 'starts-with';

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const expected = expectedString(sample, this.name);
    const match = actualOutput.trimStart().startsWith(expected);
    return createMetricScore(match ? 1 : 0, { expected_prefix: expected, match });
  }
}

/** 1 when the answer contains at least one of the expected texts. */
export class ContainsAnyMetric implements Metric {
  readonly name = 'contains-any';

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const expected = expectedStrings(sample, this.name);
    const found = expected.filter((text) => actualOutput.includes(text));
    return createMetricScore(found.length > 0 ? 1 : 0, { expected, found });
  }
}

/** The share of the expected texts the answer contains (partial credit); `missing` lists the rest. */
export class ContainsAllMetric implements Metric {
  readonly name = 'contains-all';

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const expected = expectedStrings(sample, this.name);
    const missing = expected.filter((text) => !actualOutput.includes(text));
    return createMetricScore((expected.length - missing.length) / expected.length, {
      expected,
      missing,
    });
  }
}

/** 1 when the answer contains none of the texts in expected_output (a leaked secret, a slur). */
export class NotContainsMetric implements Metric {
  readonly name = 'not-contains';

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const forbidden = expectedStrings(sample, this.name);
    const found = forbidden.filter((text) => actualOutput.includes(text));
    return createMetricScore(found.length === 0 ? 1 : 0, { forbidden, found });
  }
}

/** 1 minus the edit distance over the longer text's length: 1 for equal texts, 0 for nothing shared. */
export class LevenshteinMetric implements Metric {
  readonly name = 'levenshtein';

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const expected = expectedString(sample, this.name);
    const longest = Math.max(expected.length, actualOutput.length);
    const edits = distance(expected, actualOutput);
    return createMetricScore(longest === 0 ? 1 : 1 - edits / longest, { edits, expected });
  }
}

/** Where JSON.parse stopped, from its message, for details a reader can act on. */
function parseProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

// One validator for every schema; compiled schemas are kept per schema object, which a dataset
// holds for the whole run.
const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** A schema compiled once per schema object (a dataset or an option holds it for the run). */
function compileSchema(schema: object | boolean, where: string): ValidateFunction {
  if (typeof schema === 'boolean') return ajv.compile(schema);
  let validate = compiled.get(schema);
  if (validate === undefined) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new MetricError(`${where} is not a valid JSON Schema: ${(error as Error).message}.`, {
        cause: error,
      });
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * The JSON Schema a sample asks its answer to follow: `{ schema: {…} }` as the check's target
 * (or expected_output), else the metric's `schema` option. Neither means "any JSON".
 */
function schemaOf(
  sample: DatasetSample,
  metric: string,
  option: ValidateFunction | undefined,
): ValidateFunction | undefined {
  const target = sample.expectedOutput;
  if (!isPlainObject(target) || !('schema' in target)) return option;
  const schema = target['schema'];
  if (!isPlainObject(schema) && typeof schema !== 'boolean')
    throw new MetricError(
      `Sample '${sample.id}' ${metric} schema must be a JSON Schema object; got ${debugType(schema)}.`,
    );
  return compileSchema(schema, `Sample '${sample.id}' ${metric} schema`);
}

/** A parsed answer checked against the sample's schema, if any: the score and its details. */
function againstSchema(
  sample: DatasetSample,
  metric: string,
  option: ValidateFunction | undefined,
  json: string,
): { readonly score: 0 | 1; readonly details: Record<string, unknown> } {
  const validate = schemaOf(sample, metric, option);
  if (validate === undefined) return { score: 1, details: {} };
  if (validate(JSON.parse(json))) return { score: 1, details: { schema_valid: true } };
  return {
    score: 0,
    details: {
      schema_valid: false,
      // The first problems, each at its JSON pointer, as the validator words them.
      schema_errors: (validate.errors ?? [])
        .slice(0, 5)
        .map(
          (error) =>
            `${error.instancePath === '' ? '(root)' : error.instancePath} ${error.message ?? 'is invalid'}`,
        ),
    },
  };
}

/**
 * 1 when the whole answer (surrounding whitespace aside) parses as JSON, and follows the
 * sample's JSON Schema when it gives one (`{ schema: {…} }`).
 */
export class IsJsonMetric implements Metric {
  readonly name = 'is-json';
  /** @param schema the `schema` option: what a sample without a schema of its own follows. */
  constructor(private readonly schema?: ValidateFunction) {}

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const text = actualOutput.trim();
    const problem = parseProblem(text);
    if (problem !== undefined) return createMetricScore(0, { valid: false, error: problem });
    const checked = againstSchema(sample, this.name, this.schema, text);
    return createMetricScore(checked.score, { valid: true, ...checked.details });
  }
}

/**
 * The first JSON object or list in a text: a fenced ```json block first, else the first `{` or
 * `[` whose balanced span parses.
 */
export function findJson(text: string): { readonly json: string; readonly at: number } | undefined {
  const fence = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(text);
  if (fence?.[1] !== undefined && parseProblem(fence[1].trim()) === undefined)
    return { json: fence[1].trim(), at: fence.index };
  for (let start = 0; start < text.length; start++) {
    const open = text[start];
    if (open !== '{' && open !== '[') continue;
    const end = balancedEnd(text, start);
    if (end === undefined) continue;
    const candidate = text.slice(start, end + 1);
    if (parseProblem(candidate) === undefined) return { json: candidate, at: start };
  }
  return undefined;
}

/** The index of the bracket that closes the one at `start`, strings skipped; undefined if none. */
function balancedEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return undefined;
}

/** 1 when the answer holds a JSON object or list, in a fenced block or inside prose. */
export class ContainsJsonMetric implements Metric {
  readonly name = 'contains-json';
  /** @param schema the `schema` option: what a sample without a schema of its own follows. */
  constructor(private readonly schema?: ValidateFunction) {}

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const found = findJson(actualOutput);
    if (found === undefined) return createMetricScore(0, { found: false });
    const checked = againstSchema(sample, this.name, this.schema, found.json);
    return createMetricScore(checked.score, {
      found: true,
      at: found.at,
      json: found.json.slice(0, 200),
      ...checked.details,
    });
  }
}

/** A limit from a check's target when it is a positive number, else from the metric's option. */
function limitOf(
  sample: DatasetSample,
  option: number | undefined,
  problem: (got: string) => string,
): number {
  const target = sample.expectedOutput;
  if (typeof target === 'number' && target > 0 && Number.isFinite(target)) return target;
  if (option !== undefined) return option;
  throw new MetricError(`Sample '${sample.id}' ${problem(debugType(target))}`);
}

/**
 * 1 when the SUT answered within the limit in milliseconds (`{ latency: 2000 }` as a check, or the
 * `maxMs` option): the wall time of the call that answered, as the harness measured it in every
 * batch mode. Saved outputs and resumed samples carry no latency, which is this metric's failure,
 * never a pass.
 */
export class LatencyMetric implements Metric {
  readonly name = 'latency';
  constructor(private readonly maxMs?: number) {}

  score(sample: DatasetSample, _actualOutput: string, answer: SutAnswer): MetricScore {
    const maxMs = limitOf(
      sample,
      this.maxMs,
      (got) =>
        `latency needs a positive number of milliseconds: a check such as { latency: 2000 }, or the option maxMs; got ${got}.`,
    );
    const latency = answer.latencyMs;
    if (latency === undefined)
      throw new MetricError(
        `Sample '${sample.id}' has no measured latency (saved outputs and resumed samples carry none), so latency cannot score it.`,
      );
    return createMetricScore(latency <= maxMs ? 1 : 0, {
      latency_ms: Math.round(latency * 10) / 10,
      max_ms: maxMs,
    });
  }
}

/**
 * 1 when the SUT answer's known cost is within the limit in USD (`{ cost: 0.002 }` as a check, or
 * the `maxUsd` option). The cost is the answer's token usage priced with the config's `costs:`;
 * an answer without usage, from the response cache, or of a model the price book does not list
 * has no known cost, which is this metric's failure, never a pass. Scoring calls (a judge) are
 * the harness's spend, not the application's, and do not count.
 */
export class CostMetric implements Metric {
  readonly name = 'cost';
  constructor(
    private readonly prices: PriceBook,
    private readonly maxUsd?: number,
  ) {}

  score(sample: DatasetSample, _actualOutput: string, answer: SutAnswer): MetricScore {
    const maxUsd = limitOf(
      sample,
      this.maxUsd,
      (got) =>
        `cost needs a positive limit in USD: a check such as { cost: 0.002 }, or the option maxUsd; got ${got}.`,
    );
    const { usage } = answer;
    const unknown = (why: string): never => {
      throw new MetricError(
        `Sample '${sample.id}' has no known cost (${why}), so cost cannot score it.`,
      );
    };
    if (usage === undefined)
      return unknown('the SUT reported no token usage; saved outputs may carry it as usage:');
    if (usage.cached === true) return unknown('its answer came from the response cache');
    const costUsd = priceBookCost(usage.model, usage.inputTokens, usage.outputTokens, this.prices);
    if (costUsd === null)
      return unknown(`model '${usage.model}' has no price under costs: in the config`);
    return createMetricScore(costUsd <= maxUsd ? 1 : 0, {
      cost_usd: costUsd,
      max_usd: maxUsd,
      model: usage.model,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
    });
  }
}

/**
 * 1 when the answer equals the expected text after the options' normalising: `trim` (surrounding
 * whitespace, on by default: models end answers with a newline) and `ignoreCase` (Unicode case
 * folding, off by default). `exact-match` is the strict form.
 */
export class EqualsMetric implements Metric {
  readonly name = 'equals';
  constructor(private readonly options: { readonly trim: boolean; readonly ignoreCase: boolean }) {}

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const expected = expectedString(sample, this.name);
    const normalise = (text: string): string => {
      const trimmed = this.options.trim ? text.trim() : text;
      return this.options.ignoreCase ? trimmed.toUpperCase().toLowerCase() : trimmed;
    };
    const match = normalise(expected) === normalise(actualOutput);
    return createMetricScore(match ? 1 : 0, {
      expected,
      match,
      trim: this.options.trim,
      ignore_case: this.options.ignoreCase,
    });
  }
}

/** The assertion metrics that take no options, by name, for the registry. */
export const assertionMetrics = {
  'starts-with': () => new StartsWithMetric(),
  'contains-any': () => new ContainsAnyMetric(),
  'contains-all': () => new ContainsAllMetric(),
  'not-contains': () => new NotContainsMetric(),
  levenshtein: () => new LevenshteinMetric(),
} satisfies Record<string, () => Metric>;

const positive = z.number().positive('must be a positive number');

/** A `schema` option: a JSON Schema object, or a path to a JSON file holding one. */
const SchemaOptions = z.strictObject({
  schema: z
    .union([z.string().min(1), z.record(z.string(), z.unknown()), z.boolean()], {
      error: 'must be a JSON Schema object or the path of a .json file holding one',
    })
    .optional(),
});

/** The schema a `schema` option names, read and compiled once when the run opens. */
function schemaOption(
  metric: string,
  options: MetricOptions,
  context: MetricContext,
): ValidateFunction | undefined {
  const { schema } = parseMetricOptions(metric, SchemaOptions, options, ['schema']);
  if (schema === undefined) return undefined;
  if (typeof schema !== 'string') return compileSchema(schema, `Metric '${metric}' option schema`);
  const path = resolve(context.baseDir, schema);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new MetricSpecError(
      `Metric '${metric}' option schema: ${path} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read as JSON (${errorMessage(error)})`}; give the path of a JSON Schema file, relative to ${context.baseDir}.`,
      { cause: error },
    );
  }
  if (!isPlainObject(parsed) && typeof parsed !== 'boolean')
    throw new MetricSpecError(
      `Metric '${metric}' option schema: ${path} must hold a JSON Schema object; got ${debugType(parsed)}.`,
    );
  try {
    return compileSchema(parsed, `Metric '${metric}' option schema (${path})`);
  } catch (error) {
    throw new MetricSpecError(errorMessage(error), { cause: error });
  }
}

/** The assertion metrics with options, by name; `cost` prices answers with the config's book. */
export function optionedAssertionMetrics(
  prices: PriceBook,
): Record<string, (options: MetricOptions, context: MetricContext) => Metric> {
  return {
    'is-json': (options, context) => new IsJsonMetric(schemaOption('is-json', options, context)),
    'contains-json': (options, context) =>
      new ContainsJsonMetric(schemaOption('contains-json', options, context)),
    equals: (options) =>
      new EqualsMetric(
        parseMetricOptions(
          'equals',
          z.strictObject({
            trim: z.boolean({ error: 'must be true or false' }).default(true),
            ignoreCase: z.boolean({ error: 'must be true or false' }).default(false),
          }),
          options,
          ['trim', 'ignoreCase'],
        ),
      ),
    latency: (options) =>
      new LatencyMetric(
        parseMetricOptions('latency', z.strictObject({ maxMs: positive.optional() }), options, [
          'maxMs',
        ]).maxMs,
      ),
    cost: (options) =>
      new CostMetric(
        prices,
        parseMetricOptions('cost', z.strictObject({ maxUsd: positive.optional() }), options, [
          'maxUsd',
        ]).maxUsd,
      ),
  };
}
