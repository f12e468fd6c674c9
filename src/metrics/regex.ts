import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import { expectedString } from './_expected.js';
import { createMetricScore, type Metric, type MetricScore } from './metric.js';
import { compileDelimitedPattern, type CompiledPattern } from './regex-pattern.js';

/** 1.0 when the expected `/pattern/flags` matches anywhere in the output. */
export class RegexMetric implements Metric {
  readonly name = 'regex';
  // Datasets often reuse one pattern across many samples; compile each once per metric.
  private readonly compiled = new Map<string, CompiledPattern>();

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const pattern = expectedString(sample, this.name, 'a string regex pattern');
    let compiled = this.compiled.get(pattern);
    if (compiled === undefined) {
      compiled = compileDelimitedPattern(pattern);
      this.compiled.set(pattern, compiled);
    }
    const failure = `Sample '${sample.id}' regex metric could not evaluate expected_output against actual output.`;
    if (!compiled.ok) throw new MetricError(`${failure} PCRE error: ${compiled.reason}.`);
    // A unicode pattern cannot match text that is not valid UTF-8 (PCRE's /u behaviour).
    if (compiled.unicode && !actualOutput.isWellFormed()) {
      throw new MetricError(`${failure} PCRE error: actual output is not valid UTF-8.`);
    }
    compiled.regex.lastIndex = 0;
    const match = compiled.regex.test(actualOutput);
    return createMetricScore(match ? 1 : 0, { pattern, match });
  }
}
