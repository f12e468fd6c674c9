import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FinishedSample } from '../../engine/index.js';
import { InfraError, errorMessage } from '../../errors.js';

/** One JSON line per finished sample (`--jsonl`), written as samples finish. */
export interface SampleLinesWriter {
  write(dataset: string, finished: FinishedSample): void;
  /** Flush and close the file; resolves with the lines written. */
  close(): Promise<number>;
}

/**
 * The line of a finished sample: its dataset, id, repeat (with `--repeat`), the answer text,
 * each metric's score, the metric failures and the SUT's error. Inputs and expected answers
 * stay out, as in every report.
 */
export function sampleLine(dataset: string, finished: FinishedSample): Record<string, unknown> {
  const repeat = finished.repeat === undefined ? {} : { repeat: finished.repeat };
  if (finished.kind === 'error')
    return {
      dataset,
      id: finished.sampleId,
      ...repeat,
      output: null,
      scores: {},
      failures: [],
      error: finished.error,
    };
  const { result, failures } = finished;
  return {
    dataset,
    id: result.sample.id,
    ...repeat,
    output: result.actualOutput,
    scores: Object.fromEntries(
      [...result.metricScores].map(([name, score]) => [name, score.score]),
    ),
    failures: failures.map((failure) => ({ metric: failure.metricName, error: failure.error })),
    error: null,
  };
}

/**
 * Open `path` (its folder created) for sample lines. A write that fails is raised when the file
 * is closed, after the run: the report of what ran is never lost to it.
 */
export async function openSampleLines(path: string): Promise<SampleLinesWriter> {
  await mkdir(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'w' });
  let failure: unknown;
  stream.on('error', (error) => {
    failure ??= error;
  });
  let lines = 0;
  return {
    write(dataset, finished) {
      if (failure !== undefined) return;
      stream.write(`${JSON.stringify(sampleLine(dataset, finished))}\n`);
      lines++;
    },
    close: () =>
      new Promise<number>((resolve, reject) => {
        stream.end(() => {
          if (failure === undefined) resolve(lines);
          else
            reject(
              new InfraError(
                `Cannot write the sample lines to ${path} (--jsonl): ${errorMessage(failure)}`,
                {
                  cause: failure,
                },
              ),
            );
        });
      }),
  };
}
