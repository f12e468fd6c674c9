import type { BatchFlags } from '../../batches/index.js';
import type { SampleSelection } from '../../datasets/index.js';
import type { ComparisonGate, ScoreGate } from '../../reports/index.js';
import type { SweepRecording } from '../adversarial-sweep.js';

/** What a run evaluates: one dataset, a config eval set, or the adversarial seed dataset. */
export type RunTarget =
  | {
      readonly kind: 'dataset';
      /** A config dataset name or a dataset file path (relative to `cwd`). */
      readonly dataset: string;
    }
  | {
      readonly kind: 'eval-set';
      /** A name under the config's `evalSets`. */
      readonly evalSet: string;
      /** `--manifest`: where the set's progress is kept, so a rerun resumes it. */
      readonly manifestPath?: string | undefined;
      /** `--retry-failed`: run again the datasets the manifest records as failed. */
      readonly retryFailed?: boolean | undefined;
    }
  | {
      readonly kind: 'adversarial';
      /** The dataset name the sweep's reports and manifest use. */
      readonly dataset: string;
      /** Category ids; null for all of them. */
      readonly categories: readonly string[] | null;
      /** `--samples`: a dataset file of your own attacks, added to the seeds. */
      readonly samplesPath?: string | undefined;
      /** `--manifest` and the regression gate; absolute paths. */
      readonly recording?: SweepRecording | undefined;
    };

/**
 * Which samples to run (`--filter-failing`, `--tag`, `--filter-id`, `--shard`, `--sample` with
 * `--seed`, `--limit`); see `SampleSelection` for the order they apply in.
 */
export interface SelectionRequest extends Omit<SampleSelection, 'failing'> {
  /** A saved report: only the samples it did not pass (failed, errored or not run). */
  readonly failingIn?: string | undefined;
}

/** `--baseline` and its gates: the report this run is compared with once it finishes. */
export interface BaselineRequest {
  /** The report file, relative to `cwd`; messages name it as given. */
  readonly path: string;
  /** `--baseline-optional`: a missing file skips the comparison with a warning. */
  readonly optional?: boolean | undefined;
  readonly gates: readonly ComparisonGate[];
  /** The level of every interval. @defaultValue 0.95 */
  readonly confidence?: number | undefined;
  /** Gate on evidence (intervals, McNemar) instead of point estimates. */
  readonly significant?: boolean | undefined;
}

/**
 * Everything a run is asked for, already parsed: the one shape that crosses from the command
 * line to the application layer, and what a library caller builds to get the same rules
 * (profiles, repeats, budget, cache, baseline) as `eval-harness run`. Unset values take the
 * config's, then the defaults. Paths are relative to `cwd` and named as given in messages.
 */
export interface RunRequest {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `-c/--config`; otherwise the config file found in `cwd`. */
  readonly configPath?: string | undefined;
  readonly target: RunTarget;
  /** `--metric`: metrics that win over the config's and the dataset file's. */
  readonly metrics?: readonly string[] | undefined;
  /** `--outputs`: score these saved answers instead of calling the SUT. */
  readonly outputsPath?: string | undefined;
  /** `--sut`: a SUT module (in-process modes only) that wins over every config SUT. */
  readonly sutModule?: string | undefined;
  /** The batch flags as typed (`none` clears a profile value); resolved with the profiles. */
  readonly batchFlags?: BatchFlags | undefined;
  /** Lazy-parallel: worker slots in this process. @defaultValue 0 */
  readonly localWorkers?: number | undefined;
  /** Lazy-parallel: the Redis to use instead of the config's. */
  readonly redisUrl?: string | undefined;
  /** SUT calls per sample, instead of the config dataset's `repeat`. */
  readonly repeat?: number | undefined;
  /** USD the run may spend; null clears the profile's `maxCostUsd`. */
  readonly maxCostUsd?: number | null | undefined;
  /** Seconds per SUT call, instead of the config's `sut.timeoutSeconds`. */
  readonly sutTimeoutSeconds?: number | undefined;
  /** Retries of a failed SUT call, instead of the config's `sut.retries`. */
  readonly sutRetries?: number | undefined;
  /** Sample errors the run goes on past. @defaultValue 0 */
  readonly maxErrors?: number | undefined;
  /** Which samples of each dataset run; every sample when absent. */
  readonly selection?: SelectionRequest | undefined;
  /** `--fail-under` gates on the aggregates. */
  readonly gates?: readonly ScoreGate[] | undefined;
  /** `--resume`: a report whose scored samples are kept; the rest run. */
  readonly resumePath?: string | undefined;
  readonly baseline?: BaselineRequest | undefined;
  /** `--jsonl`: a file of one JSON line per sample, written as each sample finishes. */
  readonly sampleLinesPath?: string | undefined;
  /** `--cache-dir`, relative to `cwd`. @defaultValue .eval-harness/cache */
  readonly cacheDir?: string | undefined;
  /** False with `--no-cache`: nothing read from or written to the response cache. */
  readonly cache?: boolean | undefined;
  /** Interrupts the run: it stops, and its report says `interrupted`. */
  readonly signal?: AbortSignal | undefined;
}
