import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetSample } from '../datasets/index.js';
import type { MetricScore } from '../metrics/index.js';
import type { SampleRepeat, SampleResult, SampleResultList } from '../reports/index.js';
import type { RetrievedItem, SutUsage, TrajectoryStep } from '../sut/index.js';

/** Where scored samples are kept until the run's reports are written: memory or disk. */
export interface ResultStore {
  put(index: number, result: SampleResult): void;
  get(index: number): SampleResult | undefined;
  has(index: number): boolean;
  /** The results at `indexes`, in that order, as a report's list of scored samples. */
  list(
    indexes: readonly number[],
    adjust: (index: number, result: SampleResult) => SampleResult,
  ): SampleResultList;
}

/** The small-run store: an array, read back as an array. */
export class MemoryResultStore implements ResultStore {
  private readonly results: SampleResult[] = [];

  put(index: number, result: SampleResult): void {
    this.results[index] = result;
  }

  get(index: number): SampleResult | undefined {
    return this.results[index];
  }

  has(index: number): boolean {
    return this.results[index] !== undefined;
  }

  list(
    indexes: readonly number[],
    adjust: (index: number, result: SampleResult) => SampleResult,
  ): SampleResultList {
    return indexes.map((index) => adjust(index, this.results[index] as SampleResult));
  }
}

/** A repeat or a result on disk: short keys, because a million of them are written. */
interface SpooledAnswer {
  readonly o: string;
  readonly r?: readonly RetrievedItem[];
  readonly t?: readonly TrajectoryStep[];
  readonly u?: SutUsage;
  /** [metric name, score, details] in the metrics' order. */
  readonly m: readonly (readonly [string, number, Readonly<Record<string, unknown>>])[];
}
interface SpooledResult extends SpooledAnswer {
  readonly p?: readonly SpooledAnswer[];
  readonly a?: number;
}

/** Bytes gathered before one write, and read at once: few system calls, little memory. */
const WRITE_BATCH_BYTES = 1 << 20;
const READ_WINDOW_BYTES = 1 << 20;

/**
 * The large-run store: each result is written to a temporary file as one JSON line when it is
 * stored, and read back when a report iterates its samples, so the run keeps eight bytes of
 * bookkeeping per sample instead of the result. The file is removed as soon as it is opened (its
 * data lives while this store does), so nothing is left behind, even after a crash. A result
 * that JSON cannot hold (a custom metric's BigInt detail) stays in memory instead.
 */
export class SpoolResultStore implements ResultStore {
  private readonly fd: number;
  private readonly offsets: Float64Array;
  private readonly lengths: Uint32Array;
  private readonly unspoolable = new Map<number, SampleResult>();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;
  /** The read window: `windowLength` bytes of the file from `windowStart`, in `buffer`. */
  private buffer = Buffer.alloc(READ_WINDOW_BYTES);
  private windowStart = 0;
  private windowLength = 0;

  constructor(
    size: number,
    private readonly sampleOf: (index: number) => DatasetSample,
    directory: string = tmpdir(),
  ) {
    const folder = mkdtempSync(join(directory, 'eval-harness-results-'));
    const path = join(folder, 'results.jsonl');
    this.fd = openSync(path, 'w+');
    // Unlinked at once: the open descriptor keeps the data; the descriptor is closed when this
    // store is collected (below) or the process exits. A system that cannot unlink an open
    // file removes it when the process exits.
    try {
      rmSync(folder, { recursive: true, force: true });
    } catch {
      process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    }
    this.offsets = new Float64Array(size).fill(-1);
    this.lengths = new Uint32Array(size);
    closeWhenCollected.register(this, this.fd);
  }

  put(index: number, result: SampleResult): void {
    let line: Buffer;
    try {
      line = Buffer.from(JSON.stringify(toSpooled(result)), 'utf8');
    } catch {
      this.unspoolable.set(index, result);
      return;
    }
    this.offsets[index] = this.written + this.pendingBytes;
    this.lengths[index] = line.length;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= WRITE_BATCH_BYTES) this.flush();
  }

  has(index: number): boolean {
    return (this.offsets[index] ?? -1) >= 0 || this.unspoolable.has(index);
  }

  get(index: number): SampleResult | undefined {
    const kept = this.unspoolable.get(index);
    if (kept !== undefined) return kept;
    const offset = this.offsets[index] ?? -1;
    if (offset < 0) return undefined;
    this.flush();
    const length = this.lengths[index] as number;
    // Reports read the results in dataset order, which is close to the order they were written
    // in: one read fills a window that serves the rows after it.
    if (offset < this.windowStart || offset + length > this.windowStart + this.windowLength) {
      if (this.buffer.length < length) this.buffer = Buffer.alloc(length);
      this.windowStart = offset;
      this.windowLength = 0;
      const wanted = Math.min(this.buffer.length, this.written - offset);
      while (this.windowLength < wanted) {
        const read = readSync(
          this.fd,
          this.buffer,
          this.windowLength,
          wanted - this.windowLength,
          offset + this.windowLength,
        );
        if (read === 0) break;
        this.windowLength += read;
      }
    }
    const start = offset - this.windowStart;
    const spooled = JSON.parse(
      this.buffer.toString('utf8', start, start + length),
    ) as SpooledResult;
    return fromSpooled(spooled, this.sampleOf(index));
  }

  list(
    indexes: readonly number[],
    adjust: (index: number, result: SampleResult) => SampleResult,
  ): SampleResultList {
    const order = Int32Array.from(indexes);
    // The list holds this store (through `read`), so the file stays open while a report can
    // still read it.
    const read = (index: number) => this.get(index) as SampleResult;
    return {
      length: order.length,
      *[Symbol.iterator]() {
        for (const index of order) yield adjust(index, read(index));
      },
    };
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const chunk =
      this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    let done = 0;
    while (done < chunk.length)
      done += writeSync(this.fd, chunk, done, chunk.length - done, this.written + done);
    this.written += chunk.length;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed by the process exiting: nothing to release.
  }
});

function answerOf(answer: SampleRepeat): SpooledAnswer {
  return {
    o: answer.actualOutput,
    ...(answer.retrieved === undefined ? {} : { r: answer.retrieved }),
    ...(answer.trajectory === undefined ? {} : { t: answer.trajectory }),
    ...(answer.usage === undefined ? {} : { u: answer.usage }),
    m: Array.from(
      answer.metricScores,
      ([name, score]) => [name, score.score, score.details] as const,
    ),
  };
}

function toSpooled(result: SampleResult): SpooledResult {
  return {
    ...answerOf(result),
    ...(result.repeats === undefined ? {} : { p: result.repeats.map(answerOf) }),
    ...(result.attempts === undefined ? {} : { a: result.attempts }),
  };
}

function repeatOf(spooled: SpooledAnswer): SampleRepeat {
  return {
    actualOutput: spooled.o,
    ...(spooled.r === undefined ? {} : { retrieved: spooled.r }),
    ...(spooled.t === undefined ? {} : { trajectory: spooled.t }),
    ...(spooled.u === undefined ? {} : { usage: spooled.u }),
    metricScores: new Map(
      spooled.m.map(([name, score, details]): [string, MetricScore] => [name, { score, details }]),
    ),
  };
}

function fromSpooled(spooled: SpooledResult, sample: DatasetSample): SampleResult {
  return {
    sample,
    ...repeatOf(spooled),
    ...(spooled.p === undefined ? {} : { repeats: spooled.p.map(repeatOf) }),
    ...(spooled.a === undefined ? {} : { attempts: spooled.a }),
  };
}
