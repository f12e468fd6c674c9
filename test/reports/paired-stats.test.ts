import { describe, expect, it } from 'vitest';
import {
  mcnemarExactP,
  pairedStatistics,
  studentTCdf,
  studentTQuantile,
} from '../../src/reports/paired-stats.js';

describe("Student's t", () => {
  // Critical values from the published two-sided t table (3 decimals).
  it.each([
    [0.975, 1, 12.706],
    [0.975, 2, 4.303],
    [0.975, 4, 2.776],
    [0.975, 5, 2.571],
    [0.975, 10, 2.228],
    [0.975, 30, 2.042],
    [0.975, 120, 1.98],
    [0.995, 5, 4.032],
    [0.95, 20, 1.725],
    [0.8, 1, 1.376],
    [0.8, 10, 0.879],
    [0.8, 30, 0.854],
  ])('the %s quantile with %i degrees of freedom is %s', (p, df, table) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(table, 3);
    expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 10);
  });

  it('is symmetric around 0', () => {
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 12);
    expect(studentTCdf(0, 3)).toBe(0.5);
  });
});

describe('the exact McNemar test', () => {
  it.each([
    [0, 0, 1],
    [1, 0, 1],
    [5, 0, 2 / 32],
    [10, 2, 158 / 4096],
    [3, 3, 1],
    [2, 10, 158 / 4096],
  ])('b = %i, c = %i gives p = %s', (b, c, p) => {
    expect(mcnemarExactP(b, c)).toBeCloseTo(p, 12);
  });
});

describe('paired statistics', () => {
  it('reproduces the worked example of docs/REPORTS.md', () => {
    // Five samples; head − base = −0.1, −0.2, 0, −0.1, −0.3 (the second and fifth cross 0.5).
    const pairs = [
      { base: 0.9, head: 0.8 },
      { base: 0.6, head: 0.4 },
      { base: 0.7, head: 0.7 },
      { base: 1, head: 0.9 },
      { base: 0.7, head: 0.4 },
    ].map((pair) => ({ ...pair, passLine: 0.5 }));
    const stats = pairedStatistics(pairs, 0.95);
    expect(stats.n).toBe(5);
    expect(stats.mean_difference).toBeCloseTo(-0.14, 12);
    expect(stats.standard_error).toBeCloseTo(0.050990195, 8);
    expect(stats.interval?.[0]).toBeCloseTo(-0.28157, 5);
    expect(stats.interval?.[1]).toBeCloseTo(0.00157, 5);
    expect(stats.p_value).toBeCloseTo(0.05164, 4);
    expect(stats.verdict).toBe('no clear change');
    expect([stats.pass_to_fail, stats.fail_to_pass]).toEqual([2, 0]);
    expect(stats.mcnemar_p).toBeCloseTo(0.5, 12);
    // (t(0.975, 4) + t(0.80, 4)) × SE = (2.7764 + 0.9410) × 0.05099
    expect(stats.min_detectable_effect).toBeCloseTo(0.18955, 4);
    expect(stats.min_detectable_effect_points).toBeCloseTo(18.955, 2);
  });

  it('calls an interval wholly below 0 worse and wholly above better', () => {
    const drop = Array.from({ length: 30 }, (_, i) => ({
      base: 0.8,
      head: 0.7 + (i % 3) * 0.01,
      passLine: 0.5,
    }));
    expect(pairedStatistics(drop, 0.95).verdict).toBe('worse');
    const rise = drop.map((pair) => ({ ...pair, base: pair.head, head: pair.base }));
    expect(pairedStatistics(rise, 0.95).verdict).toBe('better');
  });

  it('does not crash on one pair, no pairs, or zero spread, and says why there is no interval', () => {
    expect(pairedStatistics([{ base: 1, head: 0, passLine: 0.5 }], 0.95)).toMatchObject({
      n: 1,
      interval: null,
      verdict: 'no clear change',
      note: 'one paired sample: no spread to measure',
    });
    expect(pairedStatistics([], 0.95)).toMatchObject({ n: 0, interval: null, p_value: null });
    const same = pairedStatistics(
      [
        { base: 0.9, head: 0.8, passLine: 0.5 },
        { base: 0.6, head: 0.5, passLine: 0.5 },
      ],
      0.95,
    );
    expect(same).toMatchObject({ interval: null, verdict: 'worse', standard_error: 0 });
    expect(same.note).toContain('no spread');
  });
});
