import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay } from '../../src/cli/progress-display.js';

/** A stderr that says it is a terminal and keeps what is written, so the live bar renders. */
function terminal(): Writable & { isTTY: boolean; columns: number; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY: boolean; columns: number; text(): string };
  stream.isTTY = true;
  stream.columns = 200;
  stream.text = () => chunks.join('');
  Object.assign(stream, { cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return stream;
}

function plain(): { write(chunk: string): boolean; lines(): string[] } {
  const chunks: string[] = [];
  return {
    write: (chunk) => chunks.push(chunk) > 0,
    lines: () => chunks.join('').trim().split('\n'),
  };
}

const io = (stderr: { write(chunk: string): unknown; isTTY?: boolean }) => ({
  stdout: { write: () => true },
  stderr,
  env: {},
  cwd: process.cwd(),
});

describe('progress display', () => {
  it('says ETA — until a sample is done, prints a warning above the bar and draws the bar again below it', async () => {
    const stderr = terminal();
    const display = await createProgressDisplay({ io: io(stderr), enabled: true });
    display.onDispatchActivity({ inFlight: 4, dispatched: 4, total: 40, rateLimitWaitMs: null });
    expect(stderr.text()).toContain('0/40 samples | 0.0/s | ETA — |');
    const before = stderr.text().length;
    display.log("warning: no worker is connected to queue 'q'");
    const after = stderr.text().slice(before);
    // The bar's line is cleared, the warning gets a line of its own, and the bar comes back.
    expect(after.startsWith("\r\u001b[2Kwarning: no worker is connected to queue 'q'\n")).toBe(
      true,
    );
    expect(after).toContain('0/40 samples');
    display.stop();
  });

  it('shows samples in flight and a rate-limit wait on the live bar', async () => {
    const stderr = terminal();
    const display = await createProgressDisplay({ io: io(stderr), enabled: true });
    display.onDispatchActivity({ inFlight: 16, dispatched: 16, total: 100, rateLimitWaitMs: null });
    expect(stderr.text()).toContain('0/100 samples');
    expect(stderr.text()).toContain('| 16 in flight');
    display.onSampleDone({ completed: 3, total: 100, failures: 1, errors: 0 });
    display.onDispatchActivity({
      inFlight: 13,
      dispatched: 60,
      total: 100,
      rateLimitWaitMs: 42_000,
    });
    // The bar redraws at most ten times a second; stop() draws the last state.
    display.stop();
    expect(stderr.text()).toMatch(
      /3\/100 samples .*failures 1 \| 13 in flight, waiting 4[12]\.\ds for a rate-limit slot/,
    );
  });

  it('adds the in-flight count to CI checkpoint lines and announces long rate-limit waits once', async () => {
    const stderr = plain();
    const display = await createProgressDisplay({ io: io(stderr), enabled: true });
    display.onDispatchActivity({ inFlight: 8, dispatched: 8, total: 40, rateLimitWaitMs: null });
    display.reporter.reportCheckpoint('b', 10, 40);
    // A short wait is routine and says nothing; a long one says so once, however often reported.
    display.onDispatchActivity({ inFlight: 5, dispatched: 20, total: 40, rateLimitWaitMs: 300 });
    display.onDispatchActivity({ inFlight: 5, dispatched: 20, total: 40, rateLimitWaitMs: 30_000 });
    display.onDispatchActivity({ inFlight: 4, dispatched: 20, total: 40, rateLimitWaitMs: 29_990 });
    expect(stderr.lines()).toEqual([
      'progress: 10/40 samples (25%), 8 in flight',
      'progress: waiting 30.0s for a rate-limit slot; 20/40 dispatched, 5 in flight',
    ]);
  });

  it('writes checkpoint lines without an in-flight count until the producer reports one', async () => {
    const stderr = plain();
    const display = await createProgressDisplay({ io: io(stderr), enabled: true });
    display.reporter.reportCheckpoint('b', 5, 10);
    expect(stderr.lines()).toEqual(['progress: 5/10 samples (50%)']);
  });
});
