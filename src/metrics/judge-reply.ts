// Reading what a judge is asked and what it answers, for every judged metric: the prompt's
// values, the reply's JSON and its schema. Errors never echo the reply (it may quote the sample).
import * as z from 'zod';
import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import { firstIssue } from '../schema-issues.js';
import { asciiTrim, debugType, parseNumeric } from '../values.js';

export function encodable(value: unknown, what: string): string {
  const bad = (): never => {
    throw new MetricError(what);
  };
  const check = (v: unknown, seen: Set<object>): void => {
    if (typeof v === 'string') {
      if (!v.isWellFormed()) bad();
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) bad();
    } else if (v !== null && typeof v === 'object') {
      if (seen.has(v)) bad();
      seen.add(v);
      for (const child of Object.values(v)) check(child, seen);
      seen.delete(v);
    } else if (v !== null && typeof v !== 'boolean') bad();
  };
  check(value, new Set());
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function questionAndExpected(
  sample: DatasetSample,
  metric: string,
): { question: string; expected: string } {
  const expected = encodable(
    sample.expectedOutput,
    `Sample '${sample.id}' expected_output must be JSON-encodable for ${metric} metric: invalid value.`,
  );
  const question = sample.input['question'];
  return {
    expected,
    question:
      typeof question === 'string' && question !== ''
        ? question
        : encodable(
            sample.input,
            `Sample '${sample.id}' input must be JSON-encodable for ${metric} prompt fallback: invalid value.`,
          ),
  };
}

/** Substitute every placeholder in one pass, so values are never re-substituted. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match);
}

/** Strip one ```json fence, parse, never echo the response in an error. */
export function parseJudgeJson(raw: string, prefix: string): unknown {
  let text = asciiTrim(raw);
  if (text.startsWith('```'))
    text = asciiTrim(text.replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, ''));
  try {
    return JSON.parse(text);
  } catch {
    throw new MetricError(`${prefix} is not valid JSON: Syntax error.`);
  }
}

/** A judge's score: a number, or a numeric string (some models quote it), in [0, 1]. */
export const JudgeScoreSchema = z
  .custom<number | string>(
    (value) => typeof value !== 'boolean' && parseNumeric(value) !== undefined,
  )
  .transform((value) => parseNumeric(value) as number)
  .pipe(z.number().min(0).max(1));

export const REFUSAL_KINDS = [
  'appropriate',
  'missing',
  'unnecessary',
  'unsafe_compliance',
] as const;

/** What llm-as-judge reads from the judge: a score, and a reason when it gives one. */
export const JudgeReplySchema = z.looseObject({ score: JudgeScoreSchema, reason: z.unknown() });

/** The refusal-quality judge's reply: exactly these three keys, so nothing else is echoed. */
export const RefusalReplySchema = z.strictObject({
  score: JudgeScoreSchema,
  refusal: z.enum(REFUSAL_KINDS),
  reason: z.string().refine((reason) => asciiTrim(reason) !== ''),
});

/**
 * Parse a judge's reply with its schema. Problems are reported in a fixed order, never echoing
 * the reply: a missing key, then unsupported keys, then the first bad value.
 */
export function parseJudgeReply<T extends z.ZodObject>(
  schema: T,
  required: readonly string[],
  reply: Record<string, unknown>,
  prefix: string,
  outOfRange: string,
): z.output<T> {
  const parsed = schema.safeParse(reply);
  if (parsed.success) return parsed.data;
  const keys = Object.keys(schema.shape);
  const missing = required.find((key) => !(key in reply));
  if (missing !== undefined) throw new MetricError(`${prefix} missing required '${missing}' key.`);
  const issues = parsed.error.issues;
  const extra = issues.find((issue) => issue.code === 'unrecognized_keys');
  if (extra !== undefined)
    throw new MetricError(`${prefix} contains unsupported key(s): ${extra.keys.join(', ')}.`);
  const field = firstIssue(issues, keys).path[0];
  const value = reply[String(field)];
  if (field === 'score') {
    const score = parseNumeric(value);
    throw new MetricError(
      score === undefined || typeof value === 'boolean'
        ? `${prefix} 'score' must be numeric; got ${debugType(value)}.`
        : `${outOfRange} ${String(score)}; expected [0.0, 1.0].`,
    );
  }
  if (field === 'refusal')
    throw new MetricError(
      `${prefix} 'refusal' must be one of [${REFUSAL_KINDS.join(', ')}]; got ${typeof value === 'string' ? value : debugType(value)}.`,
    );
  throw new MetricError(`${prefix} 'reason' must be a non-empty string; got ${debugType(value)}.`);
}
