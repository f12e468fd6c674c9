import { describe, expect, it } from 'vitest';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import { MetricError } from '../../src/errors.js';
import { createMetricScore, type Metric } from '../../src/metrics/index.js';

function slowMetric(
  stats: { active: number; max: number },
  delayOf: (id: string) => number,
): Metric {
  return {
    name: 'slow',
    score: async (sample) => {
      stats.active++;
      stats.max = Math.max(stats.max, stats.active);
      await new Promise((resolve) => setTimeout(resolve, delayOf(sample.id)));
      stats.active--;
      if (sample.id === 's5') throw new Error('judge said no');
      return createMetricScore(Number(sample.id.slice(1)) / 10);
    },
  };
}

function engine(metricConcurrency: number, metric: Metric, raiseExceptions = false): EvalEngine {
  const e = new EvalEngine({ runtime: { metricConcurrency, raiseExceptions } });
  e.dataset('d')
    .withSamples(
      Array.from({ length: 8 }, (_, i) =>
        createSample({ id: `s${i}`, input: {}, expectedOutput: 'x' }),
      ),
    )
    .withMetrics([metric])
    .register();
  return e;
}

describe('bounded metric concurrency (runtime.metricConcurrency)', () => {
  it('scores up to the limit at once, keeping results and failures in dataset order', async () => {
    const stats = { active: 0, max: 0 };
    const report = await engine(
      4,
      slowMetric(stats, (id) => 40 - Number(id.slice(1)) * 4),
    ).scoreOutputs('d', Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`s${i}`, 'x'])));
    expect(stats.max).toBe(4);
    expect([...report.sampleResults].map((r) => r.sample.id)).toEqual([
      's0',
      's1',
      's2',
      's3',
      's4',
      's5',
      's6',
      's7',
    ]);
    expect([...report.sampleResults][7]?.metricScores.get('slow')?.score).toBe(0.7);
    expect(report.failures.map((f) => f.sampleId)).toEqual(['s5']);
  });

  it('overlaps scoring with the next SUT calls in serial mode, one at a time when the limit is 1', async () => {
    const stats = { active: 0, max: 0 };
    await engine(
      1,
      slowMetric(stats, () => 5),
    ).run('d', () => 'x');
    expect(stats.max).toBe(1);
    const wide = { active: 0, max: 0 };
    const calls: string[] = [];
    const report = await engine(
      8,
      slowMetric(wide, () => 30),
    ).run('d', ({ id }) => (calls.push(id), 'x'));
    expect(calls).toHaveLength(8);
    expect(wide.max).toBeGreaterThan(1);
    expect([...report.sampleResults].map((r) => r.sample.id)[0]).toBe('s0');
  });

  it('stops at the first MetricError in strict mode', async () => {
    const strict: Metric = {
      name: 'strict',
      score: (sample) => {
        if (sample.id === 's2') throw new MetricError('bad reply');
        return createMetricScore(1);
      },
    };
    await expect(engine(4, strict, true).run('d', () => 'x')).rejects.toThrow('bad reply');
  });
});
