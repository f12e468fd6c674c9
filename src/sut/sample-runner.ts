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
