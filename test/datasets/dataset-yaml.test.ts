import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDatasetFile, parseDatasetYaml } from '../../src/datasets/index.js';
import { DatasetSchemaError } from '../../src/errors.js';
import { makeWorkspace } from '../helpers/cli.js';

const sampleYaml = (body: string): string => `name: x\nsamples:\n${body}`;

describe('parseDatasetYaml', () => {
  it('loads samples, input, expected output and metadata', () => {
    const doc = parseDatasetYaml(`name: rag.smoke
samples:
  - id: s1
    input: { question: "Who?" }
    expected_output: Alice
    metadata: { difficulty: easy }
  - id: s2
    input: { question: "Where?" }
    expected_output: Paris
`);
    expect(doc.name).toBe('rag.smoke');
    expect(doc.samples).toHaveLength(2);
    expect(doc.samples[0]).toEqual({
      id: 's1',
      input: { question: 'Who?' },
      expectedOutput: 'Alice',
      metadata: { difficulty: 'easy' },
    });
    expect(doc.samples[1]?.metadata).toEqual({});
    expect(doc.schemaVersion).toBe('eval-harness.dataset.v1');
    expect(doc.metrics).toBeUndefined();
  });

  it('accepts an explicit supported schema version', () => {
    const doc = parseDatasetYaml(
      `schema_version: eval-harness.dataset.v1\n${sampleYaml('  - { id: a, input: {}, expected_output: x }')}`,
    );
    expect(doc.schemaVersion).toBe('eval-harness.dataset.v1');
  });

  it.each([
    ['schema_version: 1\nname: x', "field 'schema_version' must be a non-empty string"],
    ['schema_version: ""\nname: x', "field 'schema_version' must be a non-empty string"],
    [
      'schema_version: eval-harness.dataset.v999\nname: x',
      "field 'schema_version' has unsupported value",
    ],
    ['samples: []', "missing required string field 'name'"],
    ['name: x', "missing required list field 'samples'"],
    ['name: x\nsamples: []', 'at least one sample'],
    ['name: x\nsamples: { a: 1 }', "missing required list field 'samples'"],
    ['', "missing required string field 'name'"],
    ['- just a list', "missing required string field 'name'"],
  ])('rejects %j', (yaml, fragment) => {
    expect(() => parseDatasetYaml(yaml)).toThrow(fragment);
  });

  it.each([
    [
      '  - { input: {}, expected_output: x }',
      "Sample at index 0 missing required string field 'id'",
    ],
    ['  - { id: 123, input: {}, expected_output: x }', 'quote numeric ids'],
    [
      '  - { id: a, expected_output: x }',
      "missing required field 'input' (an object of input fields",
    ],
    ['  - { id: a, input: {} }', "missing required field 'expected_output'"],
    [
      '  - { id: a, input: {}, expected_output: x, metadata: not-an-array }',
      "'metadata' must be an object",
    ],
    [
      '  - { id: a, input: {}, expected_output: x, metadata: [tag1, tag2] }',
      "'metadata' must be an object (got a list)",
    ],
    [
      '  - { id: a, input: [1, 2, 3], expected_output: x }',
      "'input' must be an object (got a list)",
    ],
    [
      '  - { id: a, input: {}, expected_output: x, metadata: null }',
      "'metadata' must be an object",
    ],
    [
      '  - just-a-string',
      'Sample at index 0 must be an object of fields (id, input, expected_output); got a string.',
    ],
    [
      '  - { id: s1, input: {}, expected_output: x }\n  - { id: s1, input: {}, expected_output: y }',
      "Duplicate sample id 's1' at index 1",
    ],
  ])('rejects sample %j', (body, fragment) => {
    expect(() => parseDatasetYaml(sampleYaml(body))).toThrow(fragment);
  });

  it('checks the duplicate id before the rest of the sample', () => {
    expect(() =>
      parseDatasetYaml(sampleYaml('  - { id: s1, input: {}, expected_output: x }\n  - { id: s1 }')),
    ).toThrow("Duplicate sample id 's1'");
  });

  it('reports invalid YAML as a DatasetSchemaError', () => {
    expect(() => parseDatasetYaml(': : : :\n  - bogus')).toThrow(DatasetSchemaError);
    expect(() => parseDatasetYaml(': : : :\n  - bogus')).toThrow('not valid YAML');
  });

  it('rejects duplicate keys', () => {
    expect(() => parseDatasetYaml('name: a\nname: b\nsamples: []')).toThrow('not valid YAML');
  });

  it('accepts empty input maps and an empty list as input', () => {
    const doc = parseDatasetYaml(
      sampleYaml(
        '  - { id: a, input: {}, expected_output: null }\n  - { id: b, input: [], expected_output: 1 }',
      ),
    );
    expect(doc.samples[0]?.input).toEqual({});
    expect(doc.samples[0]?.expectedOutput).toBeNull();
    expect(doc.samples[1]?.input).toEqual({});
  });

  it('keeps ids verbatim and date-like values as strings', () => {
    const doc = parseDatasetYaml(
      sampleYaml(
        '  - { id: " s1 ", input: {}, expected_output: 2026-01-01 }\n  - { id: "0", input: {}, expected_output: x }\n  - { id: "00", input: {}, expected_output: x }',
      ),
    );
    expect(doc.samples.map((s) => s.id)).toEqual([' s1 ', '0', '00']);
    expect(doc.samples[0]?.expectedOutput).toBe('2026-01-01');
  });

  it('reads an optional top-level metrics list', () => {
    expect(
      parseDatasetYaml(
        `metrics: [exact-match, rouge-l]\n${sampleYaml('  - { id: a, input: {}, expected_output: x }')}`,
      ).metrics,
    ).toEqual(['exact-match', 'rouge-l']);
    expect(() =>
      parseDatasetYaml(
        `metrics: exact-match\n${sampleYaml('  - { id: a, input: {}, expected_output: x }')}`,
      ),
    ).toThrow("field 'metrics' must be a non-empty list");
  });
});

describe('loadDatasetFile', () => {
  it('reports a missing path and loads a real file', async () => {
    const dir = await makeWorkspace({
      'ds.yml': 'name: ds.file\nsamples:\n  - { id: a, input: {}, expected_output: x }\n',
    });
    await expect(loadDatasetFile(join(dir, 'nope.yml'))).rejects.toThrow('missing or unreadable');
    await expect(loadDatasetFile(dir)).rejects.toThrow('missing or unreadable');
    const doc = await loadDatasetFile(join(dir, 'ds.yml'));
    expect(doc.name).toBe('ds.file');
    expect(doc.samples).toHaveLength(1);
  });

  it('rejects invalid UTF-8 bytes', async () => {
    const dir = await makeWorkspace();
    const path = join(dir, 'bad.yml');
    await writeFile(path, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0x0a]));
    await expect(loadDatasetFile(path)).rejects.toThrow('not valid UTF-8');
  });

  it('parses .json dataset files with the same validation', async () => {
    const dir = await makeWorkspace({
      'ds.json': JSON.stringify({
        name: 'j',
        samples: [{ id: 'a', input: {}, expected_output: 'x' }],
      }),
      'bad.json': JSON.stringify({ name: 'j', samples: [{ id: 'a', input: {} }] }),
    });
    expect((await loadDatasetFile(join(dir, 'ds.json'))).samples[0]?.id).toBe('a');
    await expect(loadDatasetFile(join(dir, 'bad.json'))).rejects.toThrow(
      "missing required field 'expected_output'",
    );
  });
});
