import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SavedOutputs, loadSavedOutputsFile, parseSavedOutputs } from '../../src/sut/index.js';
import { makeWorkspace } from '../helpers/cli.js';

const one = [{ id: 's1', actual_output: 'answer one' }];

describe('SavedOutputs', () => {
  it('validates entries', () => {
    expect(() => new SavedOutputs([{ id: 's1' }])).toThrow('actual_output');
    expect(() => new SavedOutputs(['s1'])).toThrow('must be an array');
    expect(() => new SavedOutputs({ s1: 'x' })).toThrow('must be a list of entry arrays');
    expect(() => new SavedOutputs([{ id: 123, actual_output: 'x' }])).toThrow('string id');
    expect(() => new SavedOutputs([{ id: '', actual_output: 'x' }])).toThrow('empty sample id');
    expect(
      new SavedOutputs([
        { id: '0', actual_output: 'a' },
        { id: '00', actual_output: 'b' },
      ]).size,
    ).toBe(2);
  });
});

describe('saved outputs files', () => {
  it('reads JSON, YAML and extensionless files', async () => {
    const dir = await makeWorkspace({
      'x.json': '{"outputs":{"s1":"answer one"}}',
      'x.yaml': 'outputs:\n  s1: answer one\n',
      flow: '{outputs: {s1: answer one}}',
      plain: '{"outputs":{"s1":"answer one"}}',
    });
    for (const file of ['x.json', 'x.yaml', 'flow', 'plain']) {
      expect((await loadSavedOutputsFile(join(dir, file))).entries).toEqual(one);
    }
    await expect(loadSavedOutputsFile(join(dir, 'missing.json'))).rejects.toThrow(
      'does not exist or is not a regular file',
    );
  });

  it('keeps document order and numeric-looking ids', () => {
    expect(parseSavedOutputs('{"outputs":{"0":"zero","1":"one"}}', 'a.json').ids()).toEqual([
      '0',
      '1',
    ]);
    expect(parseSavedOutputs('outputs:\n  0: zero\n  1: one\n', 'a.yaml').ids()).toEqual([
      '0',
      '1',
    ]);
    expect(
      parseSavedOutputs(
        'outputs:\n  - { id: " s1 ", actual_output: a }\n  - { id: s2, actual_output: b }\n',
        'a.yml',
      ).ids(),
    ).toEqual([' s1 ', 's2']);
    expect(
      parseSavedOutputs(
        '{"outputs":[{"id":"b","actual_output":"1"},{"id":"a","actual_output":"2"}]}',
        'a.json',
      ).ids(),
    ).toEqual(['b', 'a']);
  });

  it.each([
    ['{"output":{}}', 'a.json', 'must contain an outputs field'],
    ['["x"]', 'a.json', 'must be a JSON/YAML object and must contain an outputs field'],
    ['{"outputs":["answer"]}', 'a.json', 'must be an object with id and actual_output'],
    [
      '{"outputs":[{"id":"s1","actual_output":"a"},{"id":"s1","actual_output":"b"}]}',
      'a.json',
      "Duplicate saved output for sample 's1'. Source: 'a.json'.",
    ],
    ['{"outputs":{"s1":{"x":1}}}', 'a.json', "Saved output for sample 's1'"],
    ['{"outputs":{"":"answer"}}', 'a.json', 'contain an empty sample id'],
    ['{"outputs":[{"id":"","actual_output":"a"}]}', 'a.json', 'must contain a non-empty string id'],
    ['{not-json', 'outputs.json', 'contains invalid JSON'],
    ['{"outputs":', 'artifact', 'could not be parsed as JSON or YAML'],
    ['outputs: [unclosed', 'x.yml', 'contains invalid YAML'],
    ['{"outputs": 3}', 'a.json', 'must contain an outputs object or list'],
    ['   ', 'a.json', 'must not be empty'],
  ])('rejects %j from %s', (contents, source, fragment) => {
    expect(() => parseSavedOutputs(contents, source)).toThrow(fragment);
  });

  it.each([
    [
      '{"outputs":[3]}',
      "Saved outputs entry at index 0 in 'a.json' must be an object with id and actual_output.",
    ],
    [
      '{"outputs":[{"id":"s1","actual_output":"a"},{"id":7,"actual_output":"b"}]}',
      "Saved outputs entry at index 1 in 'a.json' must contain a non-empty string id.",
    ],
    [
      '{"outputs":[{"id":"s1","actual_output":2}]}',
      "Saved output for sample 's1' in 'a.json' must contain a string actual_output.",
    ],
    [
      '{"outputs":[{"id":"s1"},"x"]}',
      "Saved output for sample 's1' in 'a.json' must contain a string actual_output.",
    ],
    ['{"outputs":{"":"a"}}', "Saved outputs in 'a.json' contain an empty sample id."],
    [
      '{"outputs":{"s1":3}}',
      "Saved output for sample 's1' in 'a.json' must be a string or an object { output, retrieved?, trajectory?, usage? }; got a number (3).",
    ],
    ['{"outputs":"all"}', "Saved outputs in 'a.json' must contain an outputs object or list."],
  ])('says exactly what is wrong with %j', (contents, message) => {
    expect(() => parseSavedOutputs(contents, 'a.json')).toThrow(message);
  });
});
