// The metrics a judge model scores: llm-as-judge, refusal-quality, and the judged RAG metrics
// (faithfulness, context-precision, context-recall, answer-relevance). Each may ask the judge
// several times (`votes`) and score the mean; see docs/METRICS.md.
import * as z from 'zod';
import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import type { JudgeClient } from '../providers/index.js';
import type { SutAnswer } from '../sut/index.js';
import { debugType, isPlainObject } from '../values.js';
import {
  ANSWER_RELEVANCE_TEMPLATE,
  CONTEXT_PRECISION_TEMPLATE,
  CONTEXT_RECALL_TEMPLATE,
  FAITHFULNESS_TEMPLATE,
  JUDGE_TEMPLATE,
  JUDGE_TEMPLATE_SWAPPED,
  REFUSAL_TEMPLATE,
} from './judge-prompts.js';
import {
  JudgeReplySchema,
  RefusalReplySchema,
  encodable,
  fill,
  parseJudgeJson,
  parseJudgeReply,
  questionAndExpected,
} from './judge-reply.js';
import { judgeByVotes } from './judge-votes.js';
import type { Metric, MetricScore } from './metric.js';
import { parseMetricOptions, type MetricOptions } from './metric-options.js';

/** The most votes one metric may ask for a sample: each is a paid call. */
export const MAX_JUDGE_VOTES = 10;

/** The reply as a JSON object, or the MetricError that says it is not one. */
function replyObject(content: string, prefix: string): Record<string, unknown> {
  const parsed = parseJudgeJson(content, prefix);
  if (!isPlainObject(parsed)) throw new MetricError(`${prefix} must be a JSON object.`);
  return parsed;
}

/** What a judged metric holds: the judge, and how many times it asks per sample. */
abstract class JudgedMetric implements Metric {
  abstract readonly name: string;
  constructor(
    protected readonly client: JudgeClient,
    readonly votes = 1,
  ) {}
  abstract score(
    sample: DatasetSample,
    actualOutput: string,
    answer: SutAnswer,
  ): Promise<MetricScore>;
}

/** A judge model grades the output against the expected answer. */
export class LlmAsJudgeMetric implements Metric {
  readonly name = 'llm-as-judge';
  constructor(
    private readonly client: JudgeClient,
    private readonly template: string = JUDGE_TEMPLATE,
    readonly votes = 1,
  ) {}

  async score(sample: DatasetSample, actualOutput: string): Promise<MetricScore> {
    const { question, expected } = questionAndExpected(sample, this.name);
    const values = { expected, actual: actualOutput, question };
    // The built-in prompt is asked with the two answers in alternating order; a custom
    // template keeps the order its author chose.
    const swaps = this.template === JUDGE_TEMPLATE;
    return judgeByVotes(this.client, {
      votes: this.votes,
      prompt: (vote) =>
        fill(swaps && vote % 2 === 1 ? JUDGE_TEMPLATE_SWAPPED : this.template, values),
      read: (content) => {
        const prefix = `Sample '${sample.id}' judge response`;
        const parsed = parseJudgeJson(content, prefix);
        if (!isPlainObject(parsed))
          throw new MetricError(`${prefix} missing required 'score' key.`);
        const { score, reason } = parseJudgeReply(
          JudgeReplySchema,
          ['score'],
          parsed,
          prefix,
          `Sample '${sample.id}' judge returned out-of-range score`,
        );
        return {
          score,
          details: {
            judge_score: score,
            judge_reason: typeof reason === 'string' ? reason : null,
          },
        };
      },
    });
  }
}

/** A judge model grades whether a refusal was handled correctly. */
export class RefusalQualityMetric extends JudgedMetric {
  readonly name = 'refusal-quality';

  async score(sample: DatasetSample, actualOutput: string): Promise<MetricScore> {
    if (!('refusal_expected' in sample.metadata))
      throw new MetricError(
        `Sample '${sample.id}' metadata.refusal_expected is required for refusal-quality metric.`,
      );
    const refusalExpected = sample.metadata['refusal_expected'];
    if (typeof refusalExpected !== 'boolean') {
      throw new MetricError(
        `Sample '${sample.id}' metadata.refusal_expected must be a boolean for refusal-quality metric; got ${debugType(refusalExpected)}.`,
      );
    }
    const { question, expected } = questionAndExpected(sample, this.name);
    const policy =
      typeof sample.metadata['refusal_policy'] === 'string'
        ? sample.metadata['refusal_policy']
        : '';
    const prompt = fill(REFUSAL_TEMPLATE, {
      refusal_expected: refusalExpected ? 'yes' : 'no',
      policy,
      question,
      expected,
      actual: actualOutput,
    });
    const prefix = `Sample '${sample.id}' refusal-quality judge response`;
    return judgeByVotes(this.client, {
      votes: this.votes,
      prompt: () => prompt,
      read: (content) => {
        const { score, refusal, reason } = parseJudgeReply(
          RefusalReplySchema,
          ['score', 'refusal', 'reason'],
          replyObject(content, prefix),
          prefix,
          `Sample '${sample.id}' refusal-quality judge returned out-of-range score`,
        );
        return {
          score,
          details: {
            refusal_expected: refusalExpected,
            refusal,
            judge_score: score,
            judge_reason: reason,
          },
        };
      },
    });
  }
}

/** The question a RAG prompt shows: `input.question`, else the whole input as JSON. */
function questionOf(sample: DatasetSample, metric: string): string {
  const question = sample.input['question'];
  return typeof question === 'string' && question !== ''
    ? question
    : encodable(
        sample.input,
        `Sample '${sample.id}' input must be JSON-encodable for ${metric} prompt fallback: invalid value.`,
      );
}

/**
 * The texts the SUT retrieved, in rank order, numbered for the prompt. A sample without them
 * cannot be judged for its context, which is a failure naming it, never a pass.
 */
function retrievedTexts(sample: DatasetSample, answer: SutAnswer, metric: string): string[] {
  const retrieved = answer.retrieved ?? [];
  if (retrieved.length === 0)
    throw new MetricError(
      `Sample '${sample.id}' has no retrieved texts, so ${metric} cannot judge it: the SUT must answer { output, retrieved: [{ id, text }] } (or saved outputs carry retrieved:).`,
    );
  const missing = retrieved.filter((item) => item.text === undefined || item.text === '');
  if (missing.length > 0)
    throw new MetricError(
      `Sample '${sample.id}' retrieved ${missing.map((item) => `'${item.id}'`).join(', ')} without text, so ${metric} cannot judge it: give each retrieved item its text ({ id, text }).`,
    );
  return retrieved.map((item) => item.text as string);
}

function numbered(texts: readonly string[]): string {
  return texts.map((text, index) => `[${index + 1}] ${text}`).join('\n');
}

/**
 * A list of marked items in a reply (claims, statements), each a text and a true / false verdict:
 * how many there are, how many are marked true, and the first few texts marked false.
 */
function markedShare(
  reply: Record<string, unknown>,
  key: string,
  textKey: string,
  verdictKey: string,
  prefix: string,
): { readonly total: number; readonly marked: number; readonly unmarked: string[] } {
  const schema = z.array(
    z.object({ [textKey]: z.string(), [verdictKey]: z.boolean() }) as z.ZodType<
      Record<string, unknown>
    >,
  );
  const parsed = schema.safeParse(reply[key]);
  if (!parsed.success)
    throw new MetricError(
      `${prefix} '${key}' must be a list of { "${textKey}": string, "${verdictKey}": true|false }; got ${debugType(reply[key])}.`,
    );
  const unmarked = parsed.data.filter((entry) => entry[verdictKey] !== true);
  return {
    total: parsed.data.length,
    marked: parsed.data.length - unmarked.length,
    unmarked: firstFew(unmarked.map((entry) => entry[textKey] as string)),
  };
}

/** At most five items of a list, each cut to 200 characters, for details a reader can scan. */
function firstFew(texts: readonly string[]): string[] {
  return texts.slice(0, 5).map((text) => (text.length > 200 ? `${text.slice(0, 199)}…` : text));
}

/**
 * The share of the answer's claims the retrieved texts support: the judge lists the claims and
 * marks each. An answer without factual claims has nothing unfaithful in it and scores 1.
 */
export class FaithfulnessMetric extends JudgedMetric {
  readonly name = 'faithfulness';

  async score(
    sample: DatasetSample,
    actualOutput: string,
    answer: SutAnswer,
  ): Promise<MetricScore> {
    const prompt = fill(FAITHFULNESS_TEMPLATE, {
      question: questionOf(sample, this.name),
      context: numbered(retrievedTexts(sample, answer, this.name)),
      actual: actualOutput,
    });
    const prefix = `Sample '${sample.id}' faithfulness judge response`;
    return judgeByVotes(this.client, {
      votes: this.votes,
      prompt: () => prompt,
      read: (content) => {
        const claims = markedShare(
          replyObject(content, prefix),
          'claims',
          'claim',
          'supported',
          prefix,
        );
        return {
          score: claims.total === 0 ? 1 : claims.marked / claims.total,
          details: {
            claims: claims.total,
            supported: claims.marked,
            unsupported_claims: claims.unmarked,
          },
        };
      },
    });
  }
}

/**
 * Rank-weighted precision of the retrieved texts: the judge marks each relevant to the question
 * and expected answer or not, and the score is the mean of precision@k over the ranks k of the
 * relevant ones (0 when none is), so relevant texts ranked first score higher.
 */
export class ContextPrecisionMetric extends JudgedMetric {
  readonly name = 'context-precision';

  async score(
    sample: DatasetSample,
    _actualOutput: string,
    answer: SutAnswer,
  ): Promise<MetricScore> {
    const { question, expected } = questionAndExpected(sample, this.name);
    const texts = retrievedTexts(sample, answer, this.name);
    const prompt = fill(CONTEXT_PRECISION_TEMPLATE, {
      question,
      expected,
      context: numbered(texts),
      count: String(texts.length),
    });
    const prefix = `Sample '${sample.id}' context-precision judge response`;
    return judgeByVotes(this.client, {
      votes: this.votes,
      prompt: () => prompt,
      read: (content) => {
        const verdicts = replyObject(content, prefix)['verdicts'];
        if (
          !Array.isArray(verdicts) ||
          verdicts.length !== texts.length ||
          !verdicts.every((verdict) => typeof verdict === 'boolean')
        )
          throw new MetricError(
            `${prefix} 'verdicts' must be a list of ${texts.length} true/false values, one per retrieved text; got ${Array.isArray(verdicts) ? `a list of ${verdicts.length}` : debugType(verdicts)}.`,
          );
        let relevant = 0;
        let precisionSum = 0;
        (verdicts as boolean[]).forEach((isRelevant, index) => {
          if (!isRelevant) return;
          relevant++;
          precisionSum += relevant / (index + 1);
        });
        return {
          score: relevant === 0 ? 0 : precisionSum / relevant,
          details: {
            retrieved: texts.length,
            relevant,
            relevant_ranks: (verdicts as boolean[]).flatMap((isRelevant, index) =>
              isRelevant ? [index + 1] : [],
            ),
          },
        };
      },
    });
  }
}

/**
 * The share of the expected answer's statements the retrieved texts hold: the judge splits the
 * expected answer into statements and marks each. An expected answer the judge finds no statement
 * in cannot measure recall, which is a failure.
 */
export class ContextRecallMetric extends JudgedMetric {
  readonly name = 'context-recall';

  async score(
    sample: DatasetSample,
    _actualOutput: string,
    answer: SutAnswer,
  ): Promise<MetricScore> {
    const { question, expected } = questionAndExpected(sample, this.name);
    const prompt = fill(CONTEXT_RECALL_TEMPLATE, {
      question,
      expected,
      context: numbered(retrievedTexts(sample, answer, this.name)),
    });
    const prefix = `Sample '${sample.id}' context-recall judge response`;
    return judgeByVotes(this.client, {
      votes: this.votes,
      prompt: () => prompt,
      read: (content) => {
        const statements = markedShare(
          replyObject(content, prefix),
          'statements',
          'statement',
          'attributed',
          prefix,
        );
        if (statements.total === 0)
          throw new MetricError(
            `${prefix} lists no statements of the expected answer, so context-recall cannot score it; check the sample's expected_output.`,
          );
        return {
          score: statements.marked / statements.total,
          details: {
            statements: statements.total,
            attributed: statements.marked,
            missing_statements: statements.unmarked,
          },
        };
      },
    });
  }
}

/** The judge's 0-1 grade of how directly the answer addresses the question (not its truth). */
export class AnswerRelevanceMetric extends JudgedMetric {
  readonly name = 'answer-relevance';

  async score(sample: DatasetSample, actualOutput: string): Promise<MetricScore> {
    const prompt = fill(ANSWER_RELEVANCE_TEMPLATE, {
      question: questionOf(sample, this.name),
      actual: actualOutput,
    });
    const prefix = `Sample '${sample.id}' answer-relevance judge response`;
    return judgeByVotes(this.client, {
      votes: this.votes,
      prompt: () => prompt,
      read: (content) => {
        const { score, reason } = parseJudgeReply(
          JudgeReplySchema,
          ['score'],
          replyObject(content, prefix),
          prefix,
          `Sample '${sample.id}' answer-relevance judge returned out-of-range score`,
        );
        return {
          score,
          details: { judge_score: score, judge_reason: typeof reason === 'string' ? reason : null },
        };
      },
    });
  }
}

/** Every judged metric's options: how many times to ask the judge per sample. */
const JudgedOptions = z.strictObject({
  votes: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(MAX_JUDGE_VOTES, `must be ${MAX_JUDGE_VOTES} or fewer`)
    .optional(),
});

/** The judged metrics by name, asking `settings.votes` times unless an entry's `votes` says. */
export function judgedMetricFactories(
  judge: JudgeClient,
  settings: { readonly votes: number; readonly template?: string },
): Record<string, (options: MetricOptions) => Metric> {
  const votesOf = (metric: string, options: MetricOptions): number =>
    parseMetricOptions(metric, JudgedOptions, options, ['votes']).votes ?? settings.votes;
  return {
    'llm-as-judge': (options) =>
      new LlmAsJudgeMetric(judge, settings.template, votesOf('llm-as-judge', options)),
    'refusal-quality': (options) =>
      new RefusalQualityMetric(judge, votesOf('refusal-quality', options)),
    faithfulness: (options) => new FaithfulnessMetric(judge, votesOf('faithfulness', options)),
    'context-precision': (options) =>
      new ContextPrecisionMetric(judge, votesOf('context-precision', options)),
    'context-recall': (options) =>
      new ContextRecallMetric(judge, votesOf('context-recall', options)),
    'answer-relevance': (options) =>
      new AnswerRelevanceMetric(judge, votesOf('answer-relevance', options)),
  };
}
