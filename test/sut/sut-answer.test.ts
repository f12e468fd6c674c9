import { describe, expect, it } from 'vitest';
import { SavedOutputs, parseSavedOutputs, toSutAnswer } from '../../src/sut/index.js';

describe('a SUT answer', () => {
  it('is a plain string, or { output, retrieved?, trajectory? } with ids or { id, text } items', () => {
    expect(toSutAnswer('Paris')).toEqual({ answer: { output: 'Paris' } });
    expect(
      toSutAnswer({
        output: 'Paris',
        retrieved: ['d1', { id: 'd2', text: 'Paris is…' }],
        trajectory: [{ tool: 'search', args: { q: 'x' }, approval: 'approved' }],
        extra: 'ignored',
      }),
    ).toEqual({
      answer: {
        output: 'Paris',
        retrieved: [{ id: 'd1' }, { id: 'd2', text: 'Paris is…' }],
        trajectory: [{ tool: 'search', args: { q: 'x' }, approval: 'approved' }],
      },
    });
  });

  it('says what is wrong with anything else, naming the field', () => {
    expect(toSutAnswer(42)).toEqual({
      problem:
        'must return a string or an object { output, retrieved?, trajectory?, usage? }; got a number (42)',
    });
    expect(toSutAnswer({ output: 1 })).toEqual({
      problem: 'returned an object whose output is invalid: must be a string',
    });
    expect(toSutAnswer({ output: 'x', retrieved: ['d1', ''] })).toMatchObject({
      problem: expect.stringContaining('retrieved.1 is invalid'),
    });
    expect(
      toSutAnswer({ output: 'x', trajectory: [{ tool: 't', approval: 'maybe' }] }),
    ).toMatchObject({ problem: expect.stringContaining('trajectory.0.approval is invalid') });
  });
});

describe('saved outputs with retrieval and trajectory', () => {
  it('reads { output, retrieved, trajectory } per sample in map and list form', () => {
    const fromMap = SavedOutputs.fromMap({
      s1: 'plain',
      s2: { output: 'rich', retrieved: ['d1'], trajectory: [{ tool: 'search' }] },
    });
    expect(fromMap.get('s2')).toBe('rich');
    expect(fromMap.answer('s2')).toEqual({
      output: 'rich',
      retrieved: [{ id: 'd1' }],
      trajectory: [{ tool: 'search' }],
    });
    const fromList = parseSavedOutputs(
      JSON.stringify({ outputs: [{ id: 's1', actual_output: 'x', retrieved: [{ id: 'd9' }] }] }),
      'outputs.json',
    );
    expect(fromList.answer('s1')).toEqual({ output: 'x', retrieved: [{ id: 'd9' }] });
  });

  it('names the sample and the field of a bad saved answer', () => {
    expect(() => SavedOutputs.fromMap({ s1: { output: 'x', retrieved: 'd1' } })).toThrow(
      "Saved output for sample 's1': retrieved is invalid:",
    );
    expect(() => SavedOutputs.fromMap({ s1: { text: 'x' } })).toThrow(
      "Saved output for sample 's1' in dataset 'dataset' must be a string or an object { output, retrieved?, trajectory?, usage? }; got an object.",
    );
  });
});
