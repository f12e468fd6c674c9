import * as z from 'zod';
import { debugType } from '../values.js';

const nonEmpty = z.string().min(1, 'must be a non-empty string');

/** One retrieved document, in rank order: an id, or an id with its text. */
export const RetrievedItemSchema = z.union([
  nonEmpty.transform((id): RetrievedItem => ({ id })),
  z
    .object({ id: nonEmpty, text: z.string().optional() })
    .transform((item): RetrievedItem =>
      item.text === undefined ? { id: item.id } : { id: item.id, text: item.text },
    ),
]);
export interface RetrievedItem {
  readonly id: string;
  readonly text?: string;
}

/**
 * One step of an agent's trajectory: the tool it called, with what, what came back, and the
 * approval state when the tool needs one (`approved`, `denied` or `pending`).
 */
export const TrajectoryStepSchema = z.object({
  tool: nonEmpty,
  args: z.record(z.string(), z.unknown()).optional(),
  result: z.unknown().optional(),
  approval: z.enum(['approved', 'denied', 'pending']).optional(),
});
export type TrajectoryStep = z.output<typeof TrajectoryStepSchema>;

const tokenCount = z.number().int('must be a whole number').min(0, 'must be 0 or more');

/** Tokens the SUT spent on its answer, priced with the config's `costs` by model. */
export const SutUsageSchema = z.object({
  model: nonEmpty,
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  /** Answered from the response cache: counted as a cached call, not priced. */
  cached: z.literal(true).optional(),
});
export type SutUsage = z.output<typeof SutUsageSchema>;

/** What a SUT may return instead of a plain string: the answer text and how it got there. */
export const SutAnswerSchema = z.object({
  output: z.string({ error: 'must be a string' }),
  retrieved: z.array(RetrievedItemSchema).optional(),
  trajectory: z.array(TrajectoryStepSchema).optional(),
  usage: SutUsageSchema.optional(),
});

/** A SUT's answer: the text metrics score, plus retrieval and trajectory when it reports them. */
export interface SutAnswer {
  readonly output: string;
  readonly retrieved?: readonly RetrievedItem[];
  readonly trajectory?: readonly TrajectoryStep[];
  readonly usage?: SutUsage;
  /** Wall time of the SUT call that answered, in milliseconds; measured by the harness. */
  readonly latencyMs?: number;
}

/** What the SUT returned, in the shape reports and metrics read; or why it cannot be one. */
export function toSutAnswer(
  value: unknown,
): { readonly answer: SutAnswer } | { readonly problem: string } {
  if (typeof value === 'string') return { answer: { output: value } };
  return toSutAnswerObject(value);
}

/**
 * An answer given in parts (saved outputs, stored results): plain text when there is no
 * retrieval or trajectory, which skips schema parsing for the common case (100,000 saved outputs
 * are read per benchmark run).
 */
export function answerFromParts(
  output: unknown,
  parts: { readonly retrieved?: unknown; readonly trajectory?: unknown; readonly usage?: unknown },
): { readonly answer: SutAnswer } | { readonly problem: string } {
  const { retrieved, trajectory, usage } = parts;
  if (
    typeof output === 'string' &&
    retrieved === undefined &&
    trajectory === undefined &&
    usage === undefined
  )
    return { answer: { output } };
  return toSutAnswerObject({
    output,
    ...(retrieved === undefined ? {} : { retrieved }),
    ...(trajectory === undefined ? {} : { trajectory }),
    ...(usage === undefined ? {} : { usage }),
  });
}

function toSutAnswerObject(
  value: unknown,
): { readonly answer: SutAnswer } | { readonly problem: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return {
      problem: `must return a string or an object { output, retrieved?, trajectory?, usage? }; got ${debugType(value)}`,
    };
  const parsed = SutAnswerSchema.safeParse(value);
  if (parsed.success) return { answer: withoutUndefined(parsed.data) };
  const issue = parsed.error.issues[0];
  const path = issue === undefined ? '' : issue.path.map(String).join('.');
  return {
    problem: `returned an object whose ${path === '' ? 'shape' : path} is invalid: ${issue?.message ?? 'unexpected value'}`,
  };
}

/** Only the fields that are there, so reports and stored JSON carry no `undefined` keys. */
function withoutUndefined(answer: z.output<typeof SutAnswerSchema>): SutAnswer {
  return {
    output: answer.output,
    ...(answer.retrieved === undefined ? {} : { retrieved: answer.retrieved }),
    ...(answer.trajectory === undefined ? {} : { trajectory: answer.trajectory }),
    ...(answer.usage === undefined ? {} : { usage: answer.usage }),
  };
}
