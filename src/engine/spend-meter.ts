import {
  knownCostOf,
  sutUsage,
  type PriceBook,
  type SampleFailure,
  type SampleResult,
} from '../reports/index.js';
import type { SutAnswer } from '../sut/index.js';

/** A spending limit for a run (`--max-cost`), with the price book that turns tokens into USD. */
export interface Budget {
  readonly limitUsd: number;
  readonly prices: PriceBook;
}

/**
 * The known spend of a run as it happens: SUT usage as answers arrive, metric usage as samples
 * are scored. Once it passes the limit the run dispatches nothing more.
 */
export class SpendMeter {
  private spentUsd = 0;

  constructor(readonly budget: Budget) {}

  get spent(): number {
    return this.spentUsd;
  }

  get exceeded(): boolean {
    return this.spentUsd > this.budget.limitUsd;
  }

  addAnswer(answer: SutAnswer): void {
    if (answer.usage !== undefined) this.add(sutUsage(answer.usage));
  }

  /** The usage the metrics of one scored sample spent, failed calls included. */
  addScored(result: SampleResult, failures: readonly SampleFailure[]): void {
    for (const score of result.metricScores.values()) this.add(score.details['usage']);
    for (const failure of failures) this.add(failure.details['usage']);
  }

  private add(usage: unknown): void {
    this.spentUsd += knownCostOf(usage, this.budget.prices);
  }
}
