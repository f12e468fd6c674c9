// Results kept on disk (large runs) give the same reports as results kept in memory.
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createBatchOptions } from '../../src/batches/index.js';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import { createMetricScore, type Metric } from '../../src/metrics/index.js';
import {
  renderCsvReport,
  renderJsonReport,
  renderJunitReports,
  renderMarkdownReport,
  runPageModel,
  summarizeReport,
  type EvalReport,
} from '../../src/reports/index.js';
import type { SampleRunner } from '../../src/sut/index.js';
import { systemClock, type Clock } from '../../src/clock.js';

const COUNT = 60;

/** Real waits, a fixed wall clock: two runs' reports then differ only where they really do. */
const fixedTime: Clock = {
  nowSeconds: () => 1_000,
  monotonicMs: () => systemClock.monotonicMs(),
  sleep: (ms, signal) => systemClock.sleep(ms, signal),
};

/** A metric that fails on every seventh sample, so failures are reported beside scores. */
const fragile: Metric = {
  name: 'fragile',
  score: (sample) => {
    if (Number(sample.id.slice(1)) % 7 === 0) throw new Error(`fragile broke on ${sample.id}`);
    return createMetricScore(0.25, { note: 'partial', nested: { list: [1, 'two', null] } });
  },
};

function engineWith(spoolResultsAbove: number): EvalEngine {
  const engine = new EvalEngine({ clock: fixedTime, spoolResultsAbove });
  engine.metrics.register('fragile', () => fragile);
  engine
    .dataset('ds')
    .withSamples(
      Array.from({ length: COUNT }, (_, i) =>
        createSample({
          id: `s${i}`,
          input: { question: `q${i}` },
          expectedOutput: `answer ${i}`,
          metadata: {
            tags: i % 3 === 0 ? ['geo'] : i % 3 === 1 ? ['math', 'geo'] : [],
            ...(i % 10 === 0 ? { thresholds: { 'exact-match': 1 } } : {}),
          },
          ...(i % 4 === 0 ? { assert: [{ metric: 'contains', value: 'answer', not: false }] } : {}),
        }),
      ),
    )
    .withMetrics(['exact-match', 'rouge-l', 'fragile'])
    .register();
  return engine;
}

/** Right, wrong, structured, a lone surrogate and a SUT error, by sample. */
const sut: SampleRunner = async ({ id }) => {
  const i = Number(id.slice(1));
  if (i === 13) throw new Error('the SUT is down for s13');
  if (i % 5 === 0)
    return {
      output: `answer ${i}`,
      retrieved: [{ id: `doc-${i}`, text: 'a passage' }],
      trajectory: [{ tool: 'search', args: { q: i } }],
      usage: { model: 'm', inputTokens: 10, outputTokens: i },
    };
  if (i === 11) return 'bad \uD800 surrogate';
  return i % 2 === 0 ? `answer ${i}` : `wrong ${i}`;
};

async function reportsOf(spoolResultsAbove: number, repeat: number): Promise<string[]> {
  const report: EvalReport = await engineWith(spoolResultsAbove).run('ds', sut, {
    batch: createBatchOptions({ mode: 'concurrent', concurrency: 8 }),
    repeat,
    maxErrors: 5,
  });
  const summary = summarizeReport(report);
  const outcome = { report, summary, gates: undefined };
  let json: string;
  try {
    json = renderJsonReport(report, summary);
  } catch (error) {
    json = `refused: ${(error as Error).message}`;
  }
  return [
    json,
    renderMarkdownReport(report, summary, { maxRows: 5 }),
    renderJunitReports([report]),
    renderCsvReport([outcome]),
    JSON.stringify(runPageModel({ title: 't', generator: 'g', outcomes: [outcome] })),
    JSON.stringify(runPageModel({ title: 't', generator: 'g', outcomes: [outcome], maxRows: 10 })),
    JSON.stringify(summary, (_key, value: unknown) => (value instanceof Set ? [...value] : value)),
  ];
}

describe('results spooled to disk', () => {
  it.each([1, 2])(
    'give the same JSON, Markdown, JUnit, CSV, HTML page and summary as results in memory (repeat %i)',
    async (repeat) => {
      const inMemory = await reportsOf(Number.POSITIVE_INFINITY, repeat);
      const spooled = await reportsOf(0, repeat);
      expect(spooled).toEqual(inMemory);
      // The lone surrogate survives the round trip, so the JSON report is refused the same way.
      expect(spooled[0]).toMatch(/^refused: Failed to encode report as JSON: malformed UTF-8/);
      expect(spooled[1]).toContain('the SUT is down for s13');
      expect(spooled[1]).toContain('fragile broke on s7');
      expect(spooled[1]).toContain('## Samples below the pass line');
    },
  );

  it('read back the same results every time a report iterates them, leaving no file behind', async () => {
    const before = (await readdir(tmpdir())).filter((name) =>
      name.startsWith('eval-harness-results-'),
    );
    const report = await engineWith(0).run('ds', sut, { maxErrors: 5 });
    const first = [...report.sampleResults];
    const second = [...report.sampleResults];
    expect(report.sampleResults.length).toBe(COUNT - 1);
    expect(second).toEqual(first);
    expect(first[5]?.retrieved).toEqual([{ id: 'doc-5', text: 'a passage' }]);
    expect(first[5]?.metricScores.get('exact-match')?.score).toBe(1);
    const after = (await readdir(tmpdir())).filter((name) =>
      name.startsWith('eval-harness-results-'),
    );
    expect(after).toEqual(before);
  });
});
