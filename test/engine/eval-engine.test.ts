import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import { MetricError } from '../../src/errors.js';
import { createMetricScore, type Metric } from '../../src/metrics/index.js';
import { SavedOutputs, createSampleInvocation, type SampleRunner } from '../../src/sut/index.js';

function fixedClock(...times: number[]): Clock {
  let i = 0;
  return {
    nowSeconds: () => times[Math.min(i++, times.length - 1)] as number,
    monotonicMs: () => 0,
    sleep: async () => {},
  };
}

function engineWith(
  samples: { id: string; expected: unknown; input?: Record<string, unknown> }[],
  metrics: (string | Metric)[] = ['exact-match'],
  raiseExceptions = false,
): EvalEngine {
  const engine = new EvalEngine({ runtime: { raiseExceptions }, clock: fixedClock(1, 3.5) });
  engine
    .dataset('ds')
    .withSamples(
      samples.map((s) =>
        createSample({ id: s.id, input: s.input ?? {}, expectedOutput: s.expected }),
      ),
    )
    .withMetrics(metrics)
    .register();
  return engine;
}

describe('EvalEngine.run', () => {
  it('reports an unknown dataset', async () => {
    await expect(new EvalEngine().run('does.not.exist', () => 'x')).rejects.toThrow(
      "Dataset 'does.not.exist' is not registered",
    );
  });

  it('scores SUT outputs in dataset order', async () => {
    const answers: Record<string, string> = { a: '4', b: '6', c: 'ten' };
    const engine = engineWith([
      { id: 'a', expected: '4' },
      { id: 'b', expected: '6' },
      { id: 'c', expected: '10' },
    ]);
    const report = await engine.run('ds', (invocation) => answers[invocation.id] as string);
    expect(report.sampleResults).toHaveLength(3);
    expect(report.failures).toHaveLength(0);
    expect([...report.sampleResults].map((r) => r.actualOutput)).toEqual(['4', '6', 'ten']);
    expect(report.startedAt).toBe(1);
    expect(report.finishedAt).toBe(3.5);
  });

  it('passes the invocation (id and frozen input) to the SUT', async () => {
    const engine = engineWith([
      { id: 's1', expected: 'one', input: { answer: 'one', q: 'x' } },
      { id: 's2', expected: 'two', input: { answer: 'two' } },
    ]);
    const seen: string[] = [];
    const runner: SampleRunner = (invocation, context) => {
      seen.push(invocation.id);
      expect(context.signal).toBeInstanceOf(AbortSignal);
      expect(Object.isFrozen(invocation.input)).toBe(true);
      expect(invocation).not.toHaveProperty('expectedOutput');
      return String(invocation.input['answer']);
    };
    const report = await engine.run('ds', runner);
    expect(seen).toEqual(['s1', 's2']);
    expect([...report.sampleResults].map((r) => r.metricScores.get('exact-match')?.score)).toEqual([
      1, 1,
    ]);
  });

  it('validates every invocation before the first SUT call', async () => {
    const engine = engineWith([
      { id: 's1', expected: 'x' },
      { id: 's2', expected: 'x', input: { when: new Date() } },
    ]);
    let calls = 0;
    await expect(
      engine.run('ds', () => {
        calls++;
        return 'x';
      }),
    ).rejects.toThrow(
      "SampleInvocation value at 'input.when' for sample 's2' must be queue-serializable",
    );
    expect(calls).toBe(0);
  });

  it('records a non-answer or a thrown error on the sample, and stops there', async () => {
    const engine = engineWith([
      { id: 's1', expected: 'x' },
      { id: 's2', expected: 'x' },
    ]);
    const wrongType = await engine.run('ds', (() => 42) as unknown as SampleRunner);
    expect(wrongType).toMatchObject({
      status: 'stopped-on-error',
      stopReason: "stopped at the first sample error (sample 's1')",
      sampleResults: [],
      sampleErrors: [
        {
          sampleId: 's1',
          error:
            "System-under-test for sample 's1' must return a string or an object { output, retrieved?, trajectory?, usage? }; got a number (42).",
          attempts: 1,
        },
      ],
      notRun: ['s2'],
    });
    const thrown = await engine.run('ds', ({ id }) => {
      if (id === 's1') throw new Error('model offline');
      return 'x';
    });
    expect(thrown.sampleErrors.map((e) => e.error)).toEqual([
      "System-under-test failed for sample 's1': model offline",
    ]);
  });

  it('goes on past up to maxErrors sample errors; they are reported, the rest is scored', async () => {
    const engine = engineWith([
      { id: 's1', expected: 'x' },
      { id: 's2', expected: 'x' },
      { id: 's3', expected: 'x' },
    ]);
    const report = await engine.run(
      'ds',
      ({ id }) => {
        if (id === 's2') throw new Error('overloaded');
        return 'x';
      },
      { maxErrors: 1 },
    );
    expect(report.status).toBe('complete');
    expect([...report.sampleResults].map((r) => r.sample.id)).toEqual(['s1', 's3']);
    expect(report.sampleErrors.map((e) => e.sampleId)).toEqual(['s2']);
  });

  it('retries a failed serial call and records the attempts on the sample', async () => {
    const engine = engineWith([{ id: 's1', expected: 'x' }]);
    let calls = 0;
    const report = await engine.run(
      'ds',
      () => {
        calls++;
        if (calls === 1) throw new Error('flaky');
        return 'x';
      },
      { sut: { timeoutSeconds: 5, retries: 1 } },
    );
    expect([...report.sampleResults][0]?.attempts).toBe(2);
    expect(report.sampleErrors).toEqual([]);
  });

  it('times out a serial call that never answers, through its signal', async () => {
    const engine = engineWith([{ id: 's1', expected: 'x' }]);
    let aborted = false;
    const report = await engine.run(
      'ds',
      (_invocation, { signal }) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
          setTimeout(() => resolve('late'), 5000).unref();
        }),
      { sut: { timeoutSeconds: 0.05 } },
    );
    expect(aborted).toBe(true);
    expect(report.sampleErrors[0]?.error).toContain("sample 's1' timed out after 0.05 seconds");
  });

  it('keeps the samples of a resumed report and runs only the others', async () => {
    const engine = engineWith([
      { id: 's1', expected: 'x' },
      { id: 's2', expected: 'x' },
    ]);
    const first = await engine.run('ds', ({ id }) => {
      if (id === 's2') throw new Error('down');
      return 'x';
    });
    const called: string[] = [];
    const resumed = await engine.run(
      'ds',
      ({ id }) => {
        called.push(id);
        return 'x';
      },
      {
        resume: new Map(
          [...first.sampleResults].map((result) => [result.sample.id, { result, failures: [] }]),
        ),
      },
    );
    expect(called).toEqual(['s2']);
    expect(resumed.status).toBe('complete');
    expect([...resumed.sampleResults].map((r) => r.sample.id)).toEqual(['s1', 's2']);
  });

  it('captures metric failures and keeps scoring', async () => {
    const buggy: Metric = {
      name: 'buggy-metric',
      score: () => {
        throw new Error('programmer bug');
      },
    };
    const engine = engineWith(
      [
        { id: 's1', expected: 'x' },
        { id: 's2', expected: 'x' },
      ],
      ['exact-match', buggy],
      true,
    );
    const report = await engine.run('ds', () => 'x');
    expect(report.failures).toEqual([
      { sampleId: 's1', metricName: 'buggy-metric', error: 'programmer bug', details: {} },
      { sampleId: 's2', metricName: 'buggy-metric', error: 'programmer bug', details: {} },
    ]);
    expect([...report.sampleResults][0]?.metricScores.has('buggy-metric')).toBe(false);
    expect([...report.sampleResults][0]?.metricScores.get('exact-match')?.score).toBe(1);
  });

  it('re-throws MetricErrors in strict mode only', async () => {
    const strict = engineWith([{ id: 's1', expected: 42 }], ['exact-match'], true);
    await expect(strict.run('ds', () => 'x')).rejects.toThrow(MetricError);
    const lenient = engineWith([{ id: 's1', expected: 42 }], ['exact-match'], false);
    const report = await lenient.run('ds', () => 'x');
    expect(report.failures[0]?.error).toContain('must be a string for exact-match');
  });

  it('records the usage a failing metric spent', async () => {
    const spender = {
      name: 'judge-like',
      score: () => {
        throw new MetricError('bad judge reply');
      },
      usageDetails: () => ({ prompt_tokens: 6, total_tokens: 8 }),
    };
    const report = await engineWith([{ id: 's1', expected: 'x' }], [spender]).run('ds', () => 'x');
    expect(report.failures[0]?.details).toEqual({ usage: { prompt_tokens: 6, total_tokens: 8 } });
  });

  it('accepts async metrics and rejects invalid returned scores', async () => {
    const asyncMetric: Metric = { name: 'async', score: async () => createMetricScore(0.75) };
    const invalid = { name: 'invalid', score: () => ({ score: 2, details: {} }) };
    const report = await engineWith([{ id: 's1', expected: 'x' }], [asyncMetric, invalid]).run(
      'ds',
      () => 'x',
    );
    expect([...report.sampleResults][0]?.metricScores.get('async')?.score).toBe(0.75);
    expect(report.failures[0]?.error).toContain("Metric 'invalid' returned an invalid score");
  });

  it('resets the registry', () => {
    const engine = engineWith([{ id: 's1', expected: 'x' }]);
    engine.reset();
    expect(engine.hasDataset('ds')).toBe(false);
    expect(engine.registeredDatasetNames()).toEqual([]);
  });
});

describe('SampleInvocation', () => {
  it('rejects objects, cycles and non-JSON numbers', () => {
    expect(() =>
      createSampleInvocation({ id: 's1', input: { nested: { object: new Map() } } }),
    ).toThrow('must be queue-serializable');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => createSampleInvocation({ id: 's1', input: cyclic })).toThrow(
      'must not contain recursive arrays',
    );
    expect(() => createSampleInvocation({ id: 's1', input: { n: Number.NaN } })).toThrow(
      'must be JSON-serializable for queue payloads',
    );
    expect(() => createSampleInvocation({ id: 's1', input: { s: 'a\uD800' } })).toThrow(
      'must be JSON-serializable for queue payloads',
    );
    const shared = { k: 1 };
    expect(createSampleInvocation({ id: 's1', input: { a: shared, b: [shared] } }).input).toEqual({
      a: { k: 1 },
      b: [{ k: 1 }],
    });
  });

  it('keeps only id and input', () => {
    const invocation = createSampleInvocation(
      createSample({ id: 's1', input: { q: 1 }, expectedOutput: 'x', metadata: { secret: 1 } }),
    );
    expect(Object.keys(invocation)).toEqual(['id', 'input']);
  });
});

describe('EvalEngine.scoreOutputs', () => {
  const engine = engineWith([
    { id: 's1', expected: '4' },
    { id: 's2', expected: '6' },
  ]);

  it('scores a keyed map', async () => {
    const report = await engine.scoreOutputs('ds', { s1: '4', s2: 'wrong' });
    expect([...report.sampleResults].map((r) => r.actualOutput)).toEqual(['4', 'wrong']);
    expect(report.failures).toEqual([]);
  });

  it('checks completeness before scoring', async () => {
    await expect(engine.scoreOutputs('ds', { s1: 'a' })).rejects.toThrow(
      "Saved outputs for dataset 'ds' are missing sample ids: s2.",
    );
    await expect(engine.scoreOutputs('ds', { s1: 'a', s2: 'b', ghost: 'c' })).rejects.toThrow(
      'contain unknown sample ids: ghost.',
    );
    await expect(engine.scoreOutputs('ds', { s1: { not: 'a string' }, s2: 'b' })).rejects.toThrow(
      "Saved output for sample 's1'",
    );
    await expect(engine.scoreOutputs('ds', { '': 'a' })).rejects.toThrow(
      'contain an empty sample id',
    );
    await expect(
      engine.scoreOutputs('ds', ['zero'] as unknown as Record<string, unknown>),
    ).rejects.toThrow('keyed map');
  });

  it('keeps ids verbatim', async () => {
    const padded = engineWith([{ id: ' s1 ', expected: 'a' }]);
    expect(
      [...(await padded.scoreOutputs('ds', { ' s1 ': 'a' })).sampleResults][0]?.metricScores.get(
        'exact-match',
      )?.score,
    ).toBe(1);
    const zeros = engineWith([
      { id: '0', expected: 'zero' },
      { id: '00', expected: 'double zero' },
    ]);
    const report = await zeros.scoreOutputs(
      'ds',
      new SavedOutputs([
        { id: '00', actual_output: 'double zero' },
        { id: '0', actual_output: 'zero' },
      ]),
    );
    expect([...report.sampleResults].map((r) => r.actualOutput)).toEqual(['zero', 'double zero']);
  });
});
