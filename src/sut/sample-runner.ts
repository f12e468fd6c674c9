import { SutError } from '../errors.js';
import type { SampleInvocation } from './sample-invocation.js';
import type { SutAnswer } from './sut-answer.js';

/** Passed with every SUT call; `signal` aborts when the call is cancelled or times out. */
export interface SampleRunnerContext {
  readonly signal: AbortSignal;
}

/**
 * The system under test: one sample in, its answer out — the output text, or an object with the
 * text and, for RAG and agent systems, the retrieved documents and the tool calls.
 */
export type SampleRunner = (
  invocation: SampleInvocation,
  context: SampleRunnerContext,
) => string | SutAnswer | Promise<string | SutAnswer>;

/**
 * An error a SUT (built-in or your own module) throws to say whether calling it again may help.
 * A plain error is retried when retries are on; one with `retryable: false` (a 400, a bad
 * request body) never is. `retryAfterMs` asks for at least that long before the next attempt.
 */
export class SutCallError extends SutError {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: {
      readonly retryable?: boolean;
      readonly retryAfterMs?: number;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, { code: 'E_SUT_CALL', cause: options.cause });
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs;
  }
}
