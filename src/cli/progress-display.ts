import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  BatchTerminalProgressReporter,
  DispatchActivity,
  TerminalStatus,
} from '../batches/index.js';
import type { SampleProgress } from '../engine/index.js';
import { InfraError, errorMessage } from '../errors.js';
import type { CliIo } from './io.js';

export interface ProgressDisplayOptions {
  readonly io: CliIo;
  /** False with --no-progress: nothing on stderr (a --progress-file is still written). */
  readonly enabled: boolean;
  /** Absolute path of the NDJSON progress file, if any. */
  readonly progressFile?: string | undefined;
}

/** What the run command plugs into the engine; `stop()` restores the terminal. */
export interface ProgressDisplay {
  readonly reporter: BatchTerminalProgressReporter;
  onSampleDone(progress: SampleProgress): void;
  onDispatchActivity(activity: DispatchActivity): void;
  /** One line on stderr; above the live bar while it shows, which redraws below it. */
  log(line: string): void;
  stop(): void;
}

/** A rate-limit wait at least this long gets its own line in CI logs; shorter ones are routine. */
const ANNOUNCED_RATE_WAIT_MS = 2000;

interface LiveBar {
  start(total: number, value: number, payload: Record<string, unknown>): void;
  update(value: number, payload: Record<string, unknown>): void;
  stop(): void;
  render(): void;
}

/**
 * Progress on stderr (docs/PROGRESS.md): a live bar on a TTY (done/total, rate, ETA, failures,
 * samples in flight, a rate-limit wait); off a TTY, one line per checkpoint and one terminal
 * line, readable in CI logs, plus a line when the producer waits a while for a rate-limit slot.
 * `--progress-file` appends the NDJSON events. Stdout is never touched.
 */
export async function createProgressDisplay(
  options: ProgressDisplayOptions,
): Promise<ProgressDisplay> {
  const { io, enabled } = options;
  const writeEvent =
    options.progressFile === undefined ? undefined : openProgressFile(options.progressFile);
  const isTty = enabled && io.stderr.isTTY === true;
  const bar = isTty ? await createLiveBar(io, () => scored > 0) : undefined;
  const startedMs = performance.now();
  let barStarted = false;
  let scored = 0;
  let failures = 0;
  let errors = 0;
  // The producer's latest activity; undefined in serial mode, which has none.
  let activity: DispatchActivity | undefined;
  let rateWaitUntilMs = 0;
  let announcedWaitUntilMs = 0;

  const inFlightText = (): string =>
    activity === undefined ? '' : `, ${activity.inFlight} in flight`;
  const dispatchText = (): string => {
    if (activity === undefined) return '';
    const waitMs = rateWaitUntilMs - performance.now();
    const waiting = waitMs > 0 ? `, waiting ${formatWait(waitMs)} for a rate-limit slot` : '';
    return ` | ${activity.inFlight} in flight${waiting}`;
  };
  const updateBar = (total: number): void => {
    if (bar === undefined) return;
    const elapsed = (performance.now() - startedMs) / 1000;
    const payload = {
      rate: elapsed > 0 ? (scored / elapsed).toFixed(1) : '0.0',
      failures,
      errors: errors === 0 ? '' : ` | SUT errors ${errors}`,
      dispatch: dispatchText(),
    };
    if (!barStarted) {
      bar.start(total, scored, payload);
      barStarted = true;
    } else {
      bar.update(scored, payload);
    }
  };

  const reporter: BatchTerminalProgressReporter = {
    reportCheckpoint(batchId, samplesCompleted, totalSamples) {
      writeEvent?.({
        type: 'checkpoint',
        batchId,
        samplesCompleted,
        totalSamples,
        at: new Date().toISOString(),
      });
      if (enabled && !isTty) {
        const percent =
          totalSamples === 0 ? 100 : Math.floor((samplesCompleted / totalSamples) * 100);
        io.stderr.write(
          `progress: ${samplesCompleted}/${totalSamples} samples (${percent}%)${inFlightText()}\n`,
        );
      }
    },
    reportTerminal(batchId, samplesCompleted, totalSamples, status: TerminalStatus) {
      writeEvent?.({
        type: 'terminal',
        batchId,
        samplesCompleted,
        totalSamples,
        status,
        at: new Date().toISOString(),
      });
      if (enabled && !isTty) {
        const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
        io.stderr.write(
          `progress: batch ${status}: ${samplesCompleted}/${totalSamples} samples in ${seconds}s\n`,
        );
      }
    },
  };

  return {
    reporter,
    onSampleDone(progress) {
      scored = progress.completed;
      failures = progress.failures;
      errors = progress.errors;
      updateBar(progress.total);
    },
    onDispatchActivity(next) {
      activity = next;
      const now = performance.now();
      rateWaitUntilMs = next.rateLimitWaitMs === null ? 0 : now + next.rateLimitWaitMs;
      if (
        enabled &&
        !isTty &&
        next.rateLimitWaitMs !== null &&
        next.rateLimitWaitMs >= ANNOUNCED_RATE_WAIT_MS &&
        now >= announcedWaitUntilMs
      ) {
        // One line per wait: the producer reports the same wait again on every turn.
        announcedWaitUntilMs = rateWaitUntilMs;
        io.stderr.write(
          `progress: waiting ${formatWait(next.rateLimitWaitMs)} for a rate-limit slot; ${next.dispatched}/${next.total} dispatched, ${next.inFlight} in flight\n`,
        );
      }
      updateBar(next.total);
    },
    log(line) {
      if (bar === undefined || !barStarted) {
        io.stderr.write(`${line}\n`);
        return;
      }
      // Clear the bar's line, print, and draw the bar again on the next line: a warning must
      // neither be overwritten nor cut at the terminal width.
      io.stderr.write(`\r\x1b[2K${line}\n`);
      (bar as LiveBar & { lastDrawnString?: string }).lastDrawnString = '';
      bar.render();
    },
    stop() {
      if (barStarted) bar?.stop();
    },
  };
}

/**
 * cli-progress is loaded only when a terminal will show it. The ETA reads `—` until a sample
 * is done: with no rate yet, any estimate (cli-progress says 0s) would be made up.
 */
async function createLiveBar(io: CliIo, hasRate: () => boolean): Promise<LiveBar> {
  const { SingleBar, Format } = (await import('cli-progress')).default;
  return new SingleBar({
    formatTime: (seconds: number, options: unknown, roundTo: number) =>
      hasRate() && Number.isFinite(seconds)
        ? Format.TimeFormat(seconds, options as never, roundTo)
        : '—',
    stream: io.stderr as NodeJS.WriteStream,
    format:
      '{bar} {value}/{total} samples | {rate}/s | ETA {eta_formatted} | failures {failures}{errors}{dispatch}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
    fps: 10,
  });
}

function formatWait(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Append one JSON object per line; the folder is created, a failure to write is an error. */
function openProgressFile(path: string): (event: Record<string, unknown>) => void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, '');
  } catch (error) {
    throw new InfraError(
      `Cannot write the progress file ${path} (--progress-file): ${errorMessage(error)}`,
      { code: 'E_WRITE' },
    );
  }
  return (event) => appendFileSync(path, `${JSON.stringify(event)}\n`);
}
