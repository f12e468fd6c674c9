import { describe, expect, it } from 'vitest';
import { createBatchOptions, type BatchTerminalProgressReporter } from '../../src/batches/index.js';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import { createMetricScore, type Metric } from '../../src/metrics/index.js';
import type { SampleRunner } from '../../src/sut/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function engineWith(count: number, metrics: (string | Metric)[] = ['exact-match']): EvalEngine {
  const engine = new EvalEngine();
  engine
    .dataset('ds')
    .withSamples(
      Array.from({ length: count }, (_, i) =>
        createSample({ id: `s${i}`, input: { n: i }, expectedOutput: `answer ${i}` }),
      ),
    )
    .withMetrics(metrics)
    .register();
  return engine;
}

const concurrent = (fields: Record<string, unknown> = {}) =>
  createBatchOptions({ mode: 'concurrent', concurrency: 4, ...fields });

describe('concurrent mode (EvalEngine.run with the in-process transport)', () => {
  it('keeps at most `concurrency` calls in flight and the report in dataset order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const runner: SampleRunner = async ({ input }) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(20 - (Number(input['n']) % 4) * 5); // later samples of a window finish first
      inFlight--;
      return `answer ${input['n']}`;
    };
    const report = await engineWith(12).run('ds', runner, { batch: concurrent() });
    expect(maxInFlight).toBe(4);
    expect([...report.sampleResults].map((r) => r.sample.id)).toEqual(
      Array.from({ length: 12 }, (_, i) => `s${i}`),
    );
    expect(
      [...report.sampleResults].every((r) => r.metricScores.get('exact-match')?.score === 1),
    ).toBe(true);
  });

  it('starts scoring an output before later samples are called', async () => {
    const timeline: string[] = [];
    const recording: Metric = {
      name: 'recording',
      score: (sample) => {
        timeline.push(`score ${sample.id}`);
        return createMetricScore(1);
      },
    };
    const runner: SampleRunner = async ({ id }) => {
      timeline.push(`call ${id}`);
      await sleep(5);
      return 'x';
    };
    await engineWith(4, [recording]).run('ds', runner, { batch: concurrent({ concurrency: 2 }) });
    expect(timeline.indexOf('score s0')).toBeLessThan(timeline.indexOf('call s2'));
  });

  it('keeps failures in dataset order', async () => {
    const failing: Metric = {
      name: 'odd',
      score: (sample) => {
        if (Number(sample.input['n']) % 2 === 1) throw new Error(`odd ${sample.id}`);
        return createMetricScore(1);
      },
    };
    const runner: SampleRunner = async ({ input }) => {
      await sleep(30 - Number(input['n']) * 3);
      return 'x';
    };
    const report = await engineWith(6, [failing]).run('ds', runner, {
      batch: concurrent({ concurrency: 6 }),
    });
    expect(report.failures.map((f) => f.sampleId)).toEqual(['s1', 's3', 's5']);
  });

  it('aborts a slow call through its signal at the per-sample timeout and records the sample error', async () => {
    let aborted = false;
    const runner: SampleRunner = (invocation, { signal }) =>
      new Promise((resolve) => {
        if (invocation.id !== 's1') return resolve(`answer ${invocation.input['n']}`);
        signal.addEventListener('abort', () => {
          aborted = true;
        });
        setTimeout(() => resolve('too late'), 3000);
      });
    const events: string[] = [];
    const reporter: BatchTerminalProgressReporter = {
      reportCheckpoint: () => undefined,
      reportTerminal: (_b, completed, total, status) =>
        void events.push(`${status} ${completed}/${total}`),
    };
    const report = await engineWith(2).run('ds', runner, {
      batch: concurrent({ concurrency: 2, timeoutSeconds: 1 }),
      progress: reporter,
    });
    expect(report.status).toBe('stopped-on-error');
    expect([...report.sampleResults].map((r) => r.sample.id)).toEqual(['s0']);
    expect(report.sampleErrors).toEqual([
      {
        sampleId: 's1',
        error:
          "System-under-test for sample 's1' timed out after 1 second; the call was aborted (raise --sut-timeout or sut.timeoutSeconds if it needs longer).",
        attempts: 1,
      },
    ]);
    expect(aborted).toBe(true);
    expect(events).toEqual(['failure 1/2']);
  });

  it("records a SUT error or a non-answer as that sample's error, keeping every other answer", async () => {
    const throwing: SampleRunner = async ({ id }) => {
      if (id === 's2') throw new Error('model offline');
      return 'x';
    };
    const report = await engineWith(4).run('ds', throwing, { batch: concurrent() });
    // Four went out at once: the others finish and are scored, s2 is the error.
    expect([...report.sampleResults].map((r) => r.sample.id)).toEqual(['s0', 's1', 's3']);
    expect(report.sampleErrors.map((e) => e.error)).toEqual([
      "System-under-test failed for sample 's2': model offline",
    ]);
    expect(report.status).toBe('stopped-on-error');
    const numeric = (async () => 42) as unknown as SampleRunner;
    const typed = await engineWith(1).run('ds', numeric, { batch: concurrent() });
    expect(typed.sampleErrors.map((e) => e.error)).toEqual([
      "System-under-test for sample 's0' must return a string or an object { output, retrieved?, trajectory?, usage? }; got a number (42).",
    ]);
  });

  it('reports per-sample progress for live displays', async () => {
    const seen: number[] = [];
    await engineWith(5).run('ds', async ({ input }) => `answer ${input['n']}`, {
      batch: concurrent({ concurrency: 2 }),
      onSampleDone: ({ completed, total }) => {
        expect(total).toBe(5);
        seen.push(completed);
      },
    });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('concurrent mode, rolling dispatch', () => {
  it('stops dispatching at a sample error and lets the calls in flight finish', async () => {
    const cancelled: string[] = [];
    let started = 0;
    const runner: SampleRunner = (invocation, { signal }) =>
      new Promise((resolve, reject) => {
        started++;
        if (invocation.id === 's1') {
          setTimeout(() => reject(new Error('model offline')), 5);
          return;
        }
        signal.addEventListener('abort', () => {
          cancelled.push(invocation.id);
          resolve('cancelled');
        });
        setTimeout(() => resolve(`answer ${invocation.input['n']}`), 30);
      });
    const report = await engineWith(8).run('ds', runner, {
      batch: concurrent({ concurrency: 3 }),
    });
    expect(report.sampleErrors.map((e) => e.sampleId)).toEqual(['s1']);
    // The samples in flight were not cancelled: they finished and were scored.
    expect(cancelled).toEqual([]);
    expect([...report.sampleResults].map((r) => r.sample.id)).toEqual(['s0', 's2']);
    // The error stopped dispatch: no sample after the first three was called.
    expect(started).toBe(3);
    expect(report.notRun).toEqual(['s3', 's4', 's5', 's6', 's7']);
  });

  it('gives the same report as windowed dispatch', async () => {
    const runner: SampleRunner = async ({ input }) => {
      await sleep((Number(input['n']) * 7) % 13);
      return `answer ${input['n']}`;
    };
    const strip = (report: Awaited<ReturnType<EvalEngine['run']>>) =>
      [...report.sampleResults].map((r) => [
        r.sample.id,
        r.actualOutput,
        r.metricScores.get('exact-match')?.score,
      ]);
    const rolling = await engineWith(20).run('ds', runner, { batch: concurrent() });
    const windowed = await engineWith(20).run('ds', runner, {
      batch: concurrent({ dispatch: 'windowed' }),
    });
    expect(strip(rolling)).toEqual(strip(windowed));
    expect(rolling.sampleResults).toHaveLength(20);
  });
});
