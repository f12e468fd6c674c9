import type { SampleInvocation } from './sample-invocation.js';

/** Passed with every SUT call; `signal` aborts when the call is cancelled or times out. */
export interface SampleRunnerContext {
  readonly signal: AbortSignal;
}

/** The system under test: one sample in, one output string out. */
export type SampleRunner = (
  invocation: SampleInvocation,
  context: SampleRunnerContext,
) => string | Promise<string>;
