import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/adversarial/index.js';
import {
  regressionGateJson,
  regressionGateLine,
  regressionGateMarkdown,
} from '../../src/adversarial/index.js';

const failed: GateResult = {
  status: 'fail',
  current_run_id: 'c'.repeat(32),
  baseline_run_id: 'b'.repeat(32),
  recorded: false,
  checks: [
    {
      target: 'macro_f1',
      metric: 'macro_f1',
      aggregate: 'macro_f1',
      baseline_score: 0.9,
      current_score: 0.8,
      drop: 0.1,
      max_drop: 0.05,
      status: 'fail',
    },
    {
      target: 'metrics.refusal-quality.p50',
      metric: 'refusal-quality',
      aggregate: 'p50',
      baseline_score: 0.7,
      current_score: 0.7,
      drop: 0,
      max_drop: 0.05,
      status: 'pass',
    },
  ],
};

describe('regression gate renderers', () => {
  it('give the metric and aggregate apart, scores in 0-1 and drops in percentage points in JSON', () => {
    expect(regressionGateJson(failed)).toEqual({
      status: 'fail',
      baseline: 'b'.repeat(32),
      checks: [
        {
          metric: 'macro_f1',
          aggregate: 'macro_f1',
          baseline: 0.9,
          current: 0.8,
          drop: expect.closeTo(10, 9) as number,
          max_drop: 5,
          passed: false,
        },
        {
          metric: 'refusal-quality',
          aggregate: 'p50',
          baseline: 0.7,
          current: 0.7,
          drop: 0,
          max_drop: 5,
          passed: true,
        },
      ],
    });
  });

  it('draw one Markdown row per check and name the baseline run', () => {
    const markdown = regressionGateMarkdown(failed);
    expect(markdown).toContain(`Status: **fail** against run \`${'b'.repeat(12)}\`.`);
    expect(markdown).toContain('| macro_f1 | 0.9000 | 0.8000 | 10.00 | 5.00 | fail |');
    expect(markdown).toContain(
      '| metrics.refusal-quality.p50 | 0.7000 | 0.7000 | 0.00 | 5.00 | pass |',
    );
  });

  it('say in one stderr line what failed, what passed, or that there is no baseline yet', () => {
    expect(regressionGateLine(failed, 0.05, false)).toBe(
      'Adversarial regression gate: fail - macro_f1 dropped by 10.00 percentage points (baseline 0.9000 -> current 0.8000, max 5.00 percentage points); current run was not recorded for future comparisons.',
    );
    const passed: GateResult = { ...failed, status: 'pass', recorded: true, checks: [] };
    expect(regressionGateLine(passed, 0.05, false)).toBe(
      'Adversarial regression gate: pass - 0 check(s), max drop 5.00 percentage points.',
    );
    const first: GateResult = { ...passed, status: 'missing-baseline', baseline_run_id: null };
    expect(regressionGateLine(first, 0.05, false)).toContain(
      'no compatible manifest baseline; current run will be recorded',
    );
  });
});
