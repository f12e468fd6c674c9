import { describe, expect, it } from 'vitest';
import {
  ExactMatchMetric,
  MetricRegistry,
  createMetricScore,
  type Metric,
} from '../../src/metrics/index.js';

describe('MetricRegistry', () => {
  it('resolves the built-in aliases to fresh instances', () => {
    const registry = new MetricRegistry();
    for (const name of ['exact-match', 'contains', 'regex', 'rouge-l', 'citation-groundedness']) {
      expect(registry.resolve(name).name).toBe(name);
    }
    expect(registry.resolve('exact-match')).not.toBe(registry.resolve('exact-match'));
  });

  it('returns a Metric instance as is and rejects non-specs', () => {
    const registry = new MetricRegistry();
    const metric = new ExactMatchMetric();
    expect(registry.resolve(metric)).toBe(metric);
    expect(() => registry.resolve(['exact-match'])).toThrow(
      'must be a Metric instance, an alias string or { name, options }; got a list',
    );
    expect(() => registry.resolve('')).toThrow('must be a Metric instance');
    expect(() => registry.resolve('App\\NonExistent\\Metric')).toThrow('does not exist');
  });

  it('lets registrations win over built-ins and rejects non-metrics', () => {
    const custom: Metric = { name: 'exact-match', score: () => createMetricScore(0.25) };
    const registry = new MetricRegistry()
      .register('exact-match', () => custom)
      .register('my-custom-metric', () => new ExactMatchMetric());
    expect(registry.resolve('exact-match')).toBe(custom);
    expect(registry.resolve('my-custom-metric').name).toBe('exact-match');
    registry.register('broken', () => ({ name: 'broken' }));
    expect(() => registry.resolve('broken')).toThrow('does not implement Metric');
    expect(registry.names()).toContain('my-custom-metric');
  });
});
