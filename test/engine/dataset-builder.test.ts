import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine, createGoldenDataset } from '../../src/engine/index.js';
import { ExactMatchMetric } from '../../src/metrics/index.js';
import { makeWorkspace } from '../helpers/cli.js';

const a = createSample({ id: 'a', input: { q: 1 }, expectedOutput: 'x' });
const b = createSample({ id: 'b', input: {}, expectedOutput: 'y' });
const yaml = (name: string, id = 'old'): string =>
  `name: ${name}\nsamples:\n  - { id: ${id}, input: {}, expected_output: x }\n`;

describe('GoldenDataset', () => {
  it('validates schema version, sample list and entries', () => {
    expect(() =>
      createGoldenDataset({
        name: 'd',
        samples: [a],
        metrics: [],
        schemaVersion: 'eval-harness.dataset.v999',
      }),
    ).toThrow('unsupported schema version');
    expect(() => createGoldenDataset({ name: 'd', samples: { 1: a }, metrics: [] })).toThrow(
      'samples must be a zero-based list',
    );
    expect(() => createGoldenDataset({ name: 'd', samples: [{ id: 'x' }], metrics: [] })).toThrow(
      'sample at index 0 must be an instance of',
    );
  });

  it('rejects two metrics with one name', () => {
    expect(() =>
      createGoldenDataset({
        name: 'd',
        samples: [a],
        metrics: [new ExactMatchMetric(), new ExactMatchMetric()],
      }),
    ).toThrow("lists metric 'exact-match' twice");
  });
});

describe('DatasetBuilder', () => {
  it('registers programmatic samples', () => {
    const engine = new EvalEngine();
    const dataset = engine
      .dataset('rag.builder.test')
      .withSamples([a, b])
      .withMetrics(['exact-match'])
      .register();
    expect(engine.hasDataset('rag.builder.test')).toBe(true);
    expect(dataset.samples).toHaveLength(2);
    expect(dataset.metrics.map((m) => m.name)).toEqual(['exact-match']);
    expect(dataset.schemaVersion).toBe('eval-harness.dataset.v1');
  });

  it('needs samples and metrics', () => {
    const engine = new EvalEngine();
    expect(() => engine.dataset('d').withMetrics(['exact-match']).register()).toThrow('no samples');
    expect(() => engine.dataset('d').withSamples([a]).register()).toThrow('no metrics');
    expect(() => engine.dataset('d').withSamples([])).toThrow('at least one DatasetSample');
    expect(() => engine.dataset('d').withSamples([a, { ...a }])).toThrow("Duplicate sample id 'a'");
    expect(() => engine.dataset('d').withSamples([{ ...a, id: '' }])).toThrow(
      'non-empty sample id',
    );
    expect(() => engine.dataset('d').withMetrics([])).toThrow('at least one metric');
    expect(() => engine.dataset('d').withSamples([{ nope: true }])).toThrow(
      'must be a DatasetSample instance',
    );
  });

  it('forbids mixing YAML and programmatic samples in both directions', async () => {
    const engine = new EvalEngine();
    expect(() => engine.dataset('d').loadFromYamlString(yaml('d')).withSamples([a])).toThrow(
      'Do not combine loadFromYaml() or loadFromYamlString() with withSamples()',
    );
    expect(() => engine.dataset('d').withSamples([a]).loadFromYamlString(yaml('d'))).toThrow(
      'Do not combine withSamples() with loadFromYaml() or loadFromYamlString()',
    );
    const dir = await makeWorkspace({ 'd.yml': yaml('d') });
    await expect(
      engine.dataset('d').withSamples([a]).loadFromYaml(join(dir, 'd.yml')),
    ).rejects.toThrow('Do not combine withSamples()');
  });

  it('lets a later load replace an earlier one', () => {
    const engine = new EvalEngine();
    const fromYaml = engine
      .dataset('d')
      .loadFromYamlString(yaml('d', 'old'))
      .loadFromYamlString(yaml('d', 'new'))
      .withMetrics(['exact-match'])
      .register();
    expect(fromYaml.samples[0]?.id).toBe('new');
    const replaced = engine
      .dataset('e')
      .withSamples([a])
      .withSamples([b])
      .withMetrics(['exact-match'])
      .register();
    expect(replaced.samples[0]?.id).toBe('b');
    const sparse = engine
      .dataset('f')
      .withSamples({ 1: { ...a, id: 'first' }, 3: { ...b, id: 'second' } })
      .withMetrics(['exact-match'])
      .register();
    expect(sparse.samples.map((s) => s.id)).toEqual(['first', 'second']);
  });

  it('fails closed after a failing reload', () => {
    const engine = new EvalEngine();
    const builder = engine.dataset('d').loadFromYamlString(yaml('d')).withMetrics(['exact-match']);
    expect(() => builder.loadFromYamlString('name: replace.yaml.fail')).toThrow(
      "missing required list field 'samples'",
    );
    expect(() => builder.register()).toThrow('no samples');
    const programmatic = engine.dataset('p').withSamples([a]).withMetrics(['exact-match']);
    expect(() => programmatic.withSamples([])).toThrow('at least one DatasetSample');
    expect(() => programmatic.register()).toThrow('no samples');
  });

  it('rejects a YAML name that differs from the builder name', () => {
    const engine = new EvalEngine();
    expect(() =>
      engine
        .dataset('caller.passed.this.name')
        .loadFromYamlString(yaml('yaml.has.different.name'))
        .withMetrics(['exact-match'])
        .register(),
    ).toThrow('Dataset name mismatch');
  });

  it('resolves metric specs only at register()', () => {
    const engine = new EvalEngine();
    const builder = engine.dataset('d').withSamples([a]).withMetrics(['no-such-metric']);
    expect(() => builder.register()).toThrow("Metric 'no-such-metric' does not exist");
  });
});
