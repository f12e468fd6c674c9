// Deterministic assertions: checks app teams write first, each reading its target from the
// sample's expected_output and scoring 0 or 1 unless said, with details naming what failed.
import { Ajv, type ValidateFunction } from 'ajv';
import { distance } from 'fastest-levenshtein';
import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import { debugType, isPlainObject } from '../values.js';
import type { SutAnswer } from '../sut/index.js';
import { expectedString } from './_expected.js';
import { createMetricScore, type Metric, type MetricScore } from './metric.js';

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

/**
 * The JSON Schema a sample asks its answer to follow: `{ schema: {…} }` as the check's target
 * (or expected_output). Anything else means "any JSON".
 */
function schemaOf(sample: DatasetSample, metric: string): ValidateFunction | undefined {
  const target = sample.expectedOutput;
  if (!isPlainObject(target) || !('schema' in target)) return undefined;
  const schema = target['schema'];
  if (!isPlainObject(schema) && typeof schema !== 'boolean')
    throw new MetricError(
      `Sample '${sample.id}' ${metric} schema must be a JSON Schema object; got ${debugType(schema)}.`,
    );
  if (typeof schema === 'boolean') return ajv.compile(schema);
  let validate = compiled.get(schema);
  if (validate === undefined) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new MetricError(
        `Sample '${sample.id}' ${metric} schema is not a valid JSON Schema: ${(error as Error).message}.`,
        { cause: error },
      );
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/** A parsed answer checked against the sample's schema, if any: the score and its details. */
function againstSchema(
  sample: DatasetSample,
  metric: string,
  json: string,
): { readonly score: 0 | 1; readonly details: Record<string, unknown> } {
  const validate = schemaOf(sample, metric);
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

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const text = actualOutput.trim();
    const problem = parseProblem(text);
    if (problem !== undefined) return createMetricScore(0, { valid: false, error: problem });
    const checked = againstSchema(sample, this.name, text);
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

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const found = findJson(actualOutput);
    if (found === undefined) return createMetricScore(0, { found: false });
    const checked = againstSchema(sample, this.name, found.json);
    return createMetricScore(checked.score, {
      found: true,
      at: found.at,
      json: found.json.slice(0, 200),
      ...checked.details,
    });
  }
}

/**
 * 1 when the SUT answered within the target's milliseconds (`{ latency: 2000 }`): the wall time
 * of the call that answered, as the harness measured it in every batch mode. Saved outputs and
 * resumed samples carry no latency, which is this metric's failure, never a pass.
 */
export class LatencyMetric implements Metric {
  readonly name = 'latency';

  score(sample: DatasetSample, _actualOutput: string, answer: SutAnswer): MetricScore {
    const maxMs = sample.expectedOutput;
    if (typeof maxMs !== 'number' || !(maxMs > 0) || !Number.isFinite(maxMs))
      throw new MetricError(
        `Sample '${sample.id}' latency needs a positive number of milliseconds as its target, such as { latency: 2000 }; got ${debugType(maxMs)}.`,
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

/** The assertion metrics by name, for the registry. */
export const assertionMetrics = {
  'starts-with': () => new StartsWithMetric(),
  'contains-any': () => new ContainsAnyMetric(),
  'contains-all': () => new ContainsAllMetric(),
  'not-contains': () => new NotContainsMetric(),
  levenshtein: () => new LevenshteinMetric(),
  'is-json': () => new IsJsonMetric(),
  'contains-json': () => new ContainsJsonMetric(),
  latency: () => new LatencyMetric(),
} satisfies Record<string, () => Metric>;
