import { resolve } from 'node:path';
import { regressionGateHtml, type GateResult } from '../../adversarial/index.js';
import { combineReporters, type BatchProgressReporter } from '../../batches/index.js';
import { systemClock, type Clock } from '../../clock.js';
import type { GoldenDataset } from '../../engine/index.js';
import {
  createManifestWriter,
  readEvalSetManifest,
  runEvalSetWithManifest,
  type EvalSetDefinition,
  type EvalSetRunResult,
} from '../../eval-sets/index.js';
import { withFileLock } from '../../file-lock.js';
import {
  renderComparison,
  type Comparison,
  type ComparisonGateResult,
  type GatedReport,
  type HtmlGate,
  type RenderedComparison,
} from '../../reports/index.js';
import { recordSweep, sweepSummary, type SweepRecording } from '../adversarial-sweep.js';
import { compareWithBaseline } from '../compare-runs.js';
import type { OpenedRun } from './open-run.js';
import type { RunTarget } from './run-request.js';
import { runDataset, type DatasetRunHooks, type PreparedDataset } from './run-dataset.js';
import { openSampleLines } from './sample-lines.js';

/** How long a run waits for another run that holds the same eval-set manifest. */
const MANIFEST_LOCK_WAIT_MS = 30_000;

/** The hooks one dataset's run reports to, and what to call when it ends. */
export interface DatasetObserver extends DatasetRunHooks {
  readonly finished?: () => void;
}

/** Where a run tells what it is doing: a progress display per dataset, for instance. */
export interface RunObserver {
  readonly datasetStarting?: (dataset: GoldenDataset) => Promise<DatasetObserver> | DatasetObserver;
}

/** The comparison with the baseline, once the run is done, rendered for the reports. */
export interface BaselineComparison {
  readonly comparison: Comparison;
  readonly gates: readonly ComparisonGateResult[];
  readonly rendered: RenderedComparison;
}

/** What an adversarial sweep adds: whether it was recorded, and the regression gate's verdict. */
export interface SweepOutcome {
  readonly recording: SweepRecording | undefined;
  /** False when the sweep did not cover every sample: it must never become a baseline. */
  readonly recorded: boolean;
  readonly gateResult: GateResult | undefined;
  /** The manifest could not be written; raised by the caller once the reports are out. */
  readonly recordError: unknown;
}

/** A finished run, for the caller to render, write and turn into an exit code. */
export interface RunResult {
  readonly kind: 'dataset' | 'eval-set' | 'adversarial';
  /** The title of its reports. */
  readonly title: string;
  /** Each dataset run now, in order, with its score gates applied. */
  readonly outcomes: readonly GatedReport[];
  /** An eval set's result: its manifest and where it stopped. */
  readonly evalSet: EvalSetRunResult | undefined;
  readonly sweep: SweepOutcome | undefined;
  readonly comparison: BaselineComparison | undefined;
  /** Gates beyond the score and comparison gates (the adversarial regression gate). */
  readonly extraGates: readonly HtmlGate[];
  /** Each dataset's file, so a CI annotation can point at a sample's line. */
  readonly datasetFiles: ReadonlyMap<string, string>;
  /** `--jsonl`: where the sample lines went, and how many. */
  readonly sampleLines: { readonly path: string; readonly lines: number } | undefined;
}

/** Run one prepared dataset with the run's settings, reporting to the observer. */
async function runOne(
  opened: OpenedRun,
  prepared: PreparedDataset,
  observer: RunObserver,
): Promise<GatedReport> {
  const { request, plan } = opened;
  const hooks = (await observer.datasetStarting?.(prepared.dataset)) ?? {};
  const reporters = [hooks.progress, opened.configReporter].filter(
    (reporter): reporter is BatchProgressReporter => reporter !== undefined,
  );
  try {
    return await runDataset(
      {
        loaded: opened.loaded,
        engine: opened.engine,
        batch: plan.batch.options,
        gates: plan.gates,
        localWorkers: plan.localWorkers,
        ...(request.redisUrl === undefined ? {} : { redis: request.redisUrl }),
        ...(plan.maxCostUsd === undefined ? {} : { maxCostUsd: plan.maxCostUsd }),
        ...(opened.cache === undefined ? {} : { cache: opened.cache }),
        sut: plan.sut,
        maxErrors: plan.maxErrors,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      },
      prepared,
      {
        ...hooks,
        // The config's reporter hears every checkpoint the caller's does; a reporter that
        // throws is ignored, so it never changes the run.
        ...(reporters.length === 0 ? {} : { progress: combineReporters(reporters) }),
      },
    );
  } finally {
    hooks.finished?.();
  }
}

/** The eval set's datasets in order, resumable through its manifest (locked while it runs). */
async function runEvalSet(
  opened: OpenedRun,
  target: Extract<RunTarget, { kind: 'eval-set' }>,
  observer: RunObserver,
  clock: Clock,
): Promise<{ result: EvalSetRunResult; outcomes: readonly GatedReport[] }> {
  const { request } = opened;
  // openRun resolves the definition of every eval-set run.
  const definition = opened.evalSet as EvalSetDefinition;
  const manifestPath =
    target.manifestPath === undefined ? undefined : resolve(request.cwd, target.manifestPath);
  const byName = new Map(opened.datasets.map((entry) => [entry.dataset.name, entry]));
  const execute = async () => {
    const found = manifestPath === undefined ? undefined : await readEvalSetManifest(manifestPath);
    found?.assertMatches(definition);
    const manifest =
      found !== undefined && target.retryFailed === true
        ? found.resetFailed(clock.nowSeconds())
        : found;
    return runEvalSetWithManifest({
      definition,
      manifest,
      writer: createManifestWriter(manifestPath),
      clock,
      runOne: (name) => runOne(opened, byName.get(name) as PreparedDataset, observer),
    });
  };
  // Two runs with one manifest would overwrite each other's progress: the second waits.
  return manifestPath === undefined
    ? execute()
    : withFileLock(
        manifestPath,
        { what: 'eval-set manifest (--manifest)', waitMs: MANIFEST_LOCK_WAIT_MS },
        execute,
      );
}

/** Compare the finished run with the baseline and apply the comparison gates. */
function compareRun(
  opened: OpenedRun,
  outcomes: readonly GatedReport[],
): BaselineComparison | undefined {
  const baseline = opened.baseline;
  if (baseline === undefined) return undefined;
  const { comparison, gates } = compareWithBaseline(baseline, outcomes, opened.evalSet?.name);
  return {
    comparison,
    gates,
    rendered: renderComparison(
      comparison,
      { base: baseline.source, head: 'this run' },
      baseline.gates.length > 0 ? gates : undefined,
    ),
  };
}

/** Each dataset's file, when it came from one. */
function datasetFilesOf(opened: OpenedRun): ReadonlyMap<string, string> {
  return new Map(
    opened.datasets.flatMap(({ dataset }) =>
      dataset.sourcePath === undefined ? [] : [[dataset.name, dataset.sourcePath] as const],
    ),
  );
}

/**
 * Run an opened run — one dataset, an eval set through its manifest, or an adversarial sweep
 * recorded in its manifest — then compare it with the baseline. Nothing is written but the
 * manifests: the caller renders the result and writes the reports.
 */
export async function executeRun(
  opened: OpenedRun,
  observer: RunObserver = {},
  clock: Clock = systemClock,
): Promise<RunResult> {
  const asked = opened.request.sampleLinesPath;
  if (asked === undefined)
    return { ...(await runTarget(opened, observer, clock)), sampleLines: undefined };
  const path = resolve(opened.request.cwd, asked);
  const lines = await openSampleLines(path);
  // Each dataset's samples go to the one file, as they finish, beside the caller's hooks.
  const withLines: RunObserver = {
    datasetStarting: async (dataset) => {
      const hooks = (await observer.datasetStarting?.(dataset)) ?? {};
      return {
        ...hooks,
        onSampleFinished: (finished) => {
          lines.write(dataset.name, finished);
          hooks.onSampleFinished?.(finished);
        },
      };
    },
  };
  let result: Omit<RunResult, 'sampleLines'>;
  try {
    result = await runTarget(opened, withLines, clock);
  } catch (error) {
    // The lines of the samples that finished are kept; the run's error is the one to report.
    await lines.close().catch(() => undefined);
    throw error;
  }
  return { ...result, sampleLines: { path, lines: await lines.close() } };
}

async function runTarget(
  opened: OpenedRun,
  observer: RunObserver,
  clock: Clock,
): Promise<Omit<RunResult, 'sampleLines'>> {
  const target = opened.request.target;
  const datasetFiles = datasetFilesOf(opened);
  if (target.kind === 'eval-set') {
    const { result, outcomes } = await runEvalSet(opened, target, observer, clock);
    return {
      kind: 'eval-set',
      title: `Eval set report — ${target.evalSet}`,
      outcomes,
      evalSet: result,
      sweep: undefined,
      comparison: compareRun(opened, outcomes),
      extraGates: [],
      datasetFiles,
    };
  }
  const outcome = await runOne(opened, opened.datasets[0] as PreparedDataset, observer);
  if (target.kind === 'dataset')
    return {
      kind: 'dataset',
      title: `Eval report — ${outcome.report.datasetName}`,
      outcomes: [outcome],
      evalSet: undefined,
      sweep: undefined,
      comparison: compareRun(opened, [outcome]),
      extraGates: [],
      datasetFiles,
    };
  // A sweep that did not cover every sample is not recorded: it must never become a baseline.
  const recorded = target.recording !== undefined && outcome.report.status === 'complete';
  const record = recorded
    ? await recordSweep(outcome, target.recording as SweepRecording, clock)
    : undefined;
  const swept = { ...outcome, summary: sweepSummary(outcome) };
  return {
    kind: 'adversarial',
    title: `Adversarial sweep — ${target.dataset}`,
    outcomes: [swept],
    evalSet: undefined,
    sweep: {
      recording: target.recording,
      recorded,
      gateResult: record?.gateResult,
      recordError: record?.error,
    },
    comparison: compareRun(opened, [swept]),
    extraGates: record?.gateResult === undefined ? [] : [regressionGateHtml(record.gateResult)],
    datasetFiles,
  };
}
