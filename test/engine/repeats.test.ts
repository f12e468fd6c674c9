import { describe, expect, it } from 'vitest';
import { createBatchOptions } from '../../src/batches/index.js';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import {
  evaluateScoreGates,
  parseScoreGate,
  renderJsonReport,
  renderMarkdownReport,
  summarizeReport,
} from '../../src/reports/index.js';
import type { SampleRunner } from '../../src/sut/index.js';

function engineWith(count: number): EvalEngine {
  const engine = new EvalEngine();
  engine
    .dataset('ds')
    .withSamples(
      Array.from({ length: count }, (_, i) =>
        createSample({ id: `s${i}`, input: { n: i }, expectedOutput: `answer ${i}` }),
      ),
    )
    .withMetrics(['exact-match'])
    .register();
  return engine;
}

/**
 * Right on every call for s0, wrong on every call for s1, and for s2 right on its first call
 * only (counted per sample, so the order calls arrive in does not matter).
 */
function scriptedSut(): { runner: SampleRunner; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const runner: SampleRunner = async ({ id, input }) => {
    const call = (calls.get(id) ?? 0) + 1;
    calls.set(id, call);
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (id === 's1' || (id === 's2' && call > 1)) return 'wrong';
    return `answer ${input['n']}`;
  };
  return { runner, calls };
}

describe('--repeat: each sample runs n times', () => {
  it('makes n independent calls per sample and averages each metric over them, in every mode', async () => {
    const reports = [];
    for (const batch of [
      undefined,
      createBatchOptions({ mode: 'concurrent', concurrency: 4 }),
      createBatchOptions({ mode: 'concurrent', concurrency: 2, dispatch: 'windowed' }),
    ]) {
      const { runner, calls } = scriptedSut();
      const report = await engineWith(3).run('ds', runner, {
        repeat: 3,
        ...(batch === undefined ? {} : { batch }),
      });
      expect([...calls.values()]).toEqual([3, 3, 3]);
      reports.push(report);
    }
    for (const report of reports) {
      expect(
        [...report.sampleResults].map((r) => r.metricScores.get('exact-match')?.score),
      ).toEqual([1, 0, 1 / 3]);
      expect([...report.sampleResults][2]?.repeats?.map((r) => r.actualOutput)).toEqual([
        'answer 2',
        'wrong',
        'wrong',
      ]);
    }
  });

  it('adds pass_all, pass_any and the flaky samples, and gates on them', async () => {
    const { runner } = scriptedSut();
    const report = await engineWith(3).run('ds', runner, { repeat: 2 });
    const summary = summarizeReport(report);
    expect(summary.metrics['exact-match']).toMatchObject({
      pass_all: 1 / 3,
      pass_any: 2 / 3,
      flaky_samples: 1,
    });
    expect(summary.flakySamples['exact-match']).toEqual(['s2']);
    const [all, any] = evaluateScoreGates(
      [parseScoreGate('exact-match:pass_all=0.5'), parseScoreGate('exact-match:pass_any=0.5')],
      summary,
    );
    expect(all?.passed).toBe(false);
    expect(any?.passed).toBe(true);
    const markdown = renderMarkdownReport(report, summary);
    expect(markdown).toContain('| exact-match | 0.3333 | 0.6667 | 1 |');
    expect(markdown).toContain('- flaky on <code>exact-match</code>: <code>s2</code>');
    const json = JSON.parse(renderJsonReport(report, summary));
    expect(json.samples[2].repeats.map((r: { actual_output: string }) => r.actual_output)).toEqual([
      'answer 2',
      'wrong',
    ]);
  });

  it('leaves a report without repeats exactly as before, where pass_all and pass_any gate as pass_rate', async () => {
    const { runner } = scriptedSut();
    const report = await engineWith(3).run('ds', runner);
    const summary = summarizeReport(report);
    expect(Object.keys(summary.metrics['exact-match'] ?? {})).toEqual([
      'mean',
      'p50',
      'p95',
      'pass_rate',
    ]);
    const json = JSON.parse(renderJsonReport(report, summary));
    expect(json.samples[0]).not.toHaveProperty('repeats');
    expect(renderMarkdownReport(report, summary)).not.toContain('## Repeats');
    const [gate] = evaluateScoreGates([parseScoreGate('exact-match:pass_all=0.5')], summary);
    expect(gate?.actual).toBeCloseTo(2 / 3, 12);
  });

  it('names the repeat of a captured metric failure', async () => {
    const engine = new EvalEngine();
    engine
      .dataset('ds')
      .withSamples([createSample({ id: 'a', input: {}, expectedOutput: ['not text'] })])
      .withMetrics(['exact-match'])
      .register();
    const report = await engine.run('ds', () => 'x', { repeat: 2 });
    expect(report.failures.map((failure) => failure.repeat)).toEqual([1, 2]);
  });
});
