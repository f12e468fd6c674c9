import { resolve } from 'node:path';
import type { BatchProgressReporter } from '../../batches/index.js';
import { loadConfig, type LoadedConfig } from '../../config/index.js';
import {
  assertionName,
  checkSelection,
  isSelecting,
  loadDatasetFile,
  reportSelection,
  selectSamples,
  type ReportSelection,
  type SampleSelection,
} from '../../datasets/index.js';
import { EvalEngine, type GoldenDataset } from '../../engine/index.js';
import { readEvalSetManifest, type EvalSetDefinition } from '../../eval-sets/index.js';
import { ReportFileError, UsageError } from '../../errors.js';
import { DEFAULT_CACHE_DIR, createDiskCache, type ResponseCache } from '../../response-cache.js';
import { checkGateMetrics, notPassingIds } from '../../reports/index.js';
import { SavedOutputs, loadSavedOutputsFile } from '../../sut/index.js';
import { checkSweepManifest, registerAdversarialDataset } from '../adversarial-sweep.js';
import { checkBaseline, readSavedReport, type Baseline } from '../compare-runs.js';
import {
  configEvalSet,
  createMetricRegistry,
  loadConfigReporter,
  prepareDataset,
  registerConfigMetrics,
  resolveRunner,
  sutCallPolicy,
} from '../config-runtime.js';
import { keptSamples, readResumeReport, type ResumeSource } from '../resume-run.js';
import type { PreparedDataset } from './run-dataset.js';
import { planRun, repeatOf, type RunPlan } from './run-plan.js';
import type { BaselineRequest, RunRequest } from './run-request.js';

/**
 * A run with every input read and checked, before anything is called: the config, the plan,
 * the engine with its metrics, and each dataset prepared (metrics, gates, the SUT or the saved
 * outputs). `executeRun` runs it; a dry run stops here.
 */
export interface OpenedRun {
  readonly request: RunRequest;
  readonly loaded: LoadedConfig;
  readonly plan: RunPlan;
  readonly engine: EvalEngine;
  /** The response cache, unless the request turned it off. */
  readonly cache: ResponseCache | undefined;
  /** The baseline report, read and checked against what is about to run. */
  readonly baseline: Baseline | undefined;
  /** The config's `progress.reporter`, loaded up front so a broken one stops nothing midway. */
  readonly configReporter: BatchProgressReporter | undefined;
  /** The datasets to run, in order. */
  readonly datasets: readonly PreparedDataset[];
  /** An eval set's definition; undefined for other runs. */
  readonly evalSet: EvalSetDefinition | undefined;
  /**
   * What to tell the user before the work starts, one line each. Held until every input is
   * checked, so a run that fails with exit 2 prints its one error line only.
   */
  readonly warnings: readonly string[];
}

/** Combinations no run can honour; checked first, before any file is read. */
function checkRunRequest(request: RunRequest): void {
  const { target } = request;
  if (request.resumePath !== undefined && target.kind === 'eval-set')
    throw new UsageError(
      '--resume finishes one dataset from its report; an eval set resumes through --manifest <path> instead.',
    );
  if (
    target.kind === 'eval-set' &&
    target.retryFailed === true &&
    target.manifestPath === undefined
  )
    throw new UsageError('--retry-failed requires --manifest <path>.');
  if (request.outputsPath !== undefined && target.kind === 'eval-set')
    throw new UsageError('--outputs scores one dataset; it cannot be combined with --eval-set.');
  (request.metrics ?? []).forEach((metric, index) => {
    if (metric.trim() === '')
      throw new UsageError(
        `The --metric option value at index ${index} must be a non-empty string.`,
      );
  });
  if (request.resumePath !== undefined && request.outputsPath !== undefined)
    throw new UsageError(
      '--resume runs the samples a report left unscored through the SUT, but --outputs scores saved answers; drop one of them.',
    );
  if (request.selection !== undefined) {
    const { failingIn: _failingIn, ...values } = request.selection;
    checkSelection(values);
    if (request.resumePath !== undefined && isSelecting(values))
      throw new UsageError(
        '--resume finishes the run its report covers; a sample selection (--shard, --tag, --limit, …) would change that set, so drop one of them.',
      );
  }
  if (request.cacheDir !== undefined && request.cacheDir.trim() === '')
    throw new UsageError('The --cache-dir option requires a non-empty folder path.');
}

/**
 * Read the baseline before the run: a file that is not a report of this tool stops the run
 * before it starts. A missing file is an error too, unless `optional` (the first run on a new
 * branch has nothing to compare with), which adds a warning and skips the comparison.
 */
async function loadBaseline(
  baseline: BaselineRequest | undefined,
  cwd: string,
  warnings: string[],
): Promise<Baseline | undefined> {
  if (baseline === undefined) return undefined;
  try {
    const report = await readSavedReport(resolve(cwd, baseline.path), baseline.path);
    return {
      source: baseline.path,
      report,
      gates: baseline.gates,
      ...(baseline.confidence === undefined ? {} : { confidence: baseline.confidence }),
      significant: baseline.significant === true,
    };
  } catch (error) {
    if (
      baseline.optional === true &&
      error instanceof ReportFileError &&
      error.code === 'E_REPORT_MISSING'
    ) {
      warnings.push(
        `--baseline ${baseline.path} does not exist; the comparison is skipped (--baseline-optional).`,
      );
      return undefined;
    }
    throw error;
  }
}

/** The ids a saved report (or each report of an eval set) did not pass, by dataset. */
async function notPassingByDataset(path: string, cwd: string): Promise<Map<string, Set<string>>> {
  const saved = await readSavedReport(resolve(cwd, path), path);
  const reports = saved.kind === 'dataset' ? [saved.report] : saved.reports;
  return new Map(reports.map((report) => [report.dataset, notPassingIds(report)] as const));
}

/** The pieces of an opened run that preparing a dataset needs. */
interface Preparation {
  readonly request: RunRequest;
  readonly loaded: LoadedConfig;
  readonly plan: RunPlan;
  readonly engine: EvalEngine;
  readonly cache: ResponseCache | undefined;
  readonly resume: ResumeSource | undefined;
  /** `--filter-failing`: the ids its report did not pass, by dataset. */
  readonly notPassing: ReadonlyMap<string, ReadonlySet<string>> | undefined;
}

/** The selection of one dataset's samples, with the ids of its own earlier report. */
function selectionFor(preparation: Preparation, datasetName: string): SampleSelection | undefined {
  const asked = preparation.request.selection;
  if (asked === undefined) return undefined;
  const { failingIn, ...values } = asked;
  if (failingIn === undefined) return values;
  const ids = preparation.notPassing?.get(datasetName);
  if (ids === undefined)
    throw new UsageError(
      `--filter-failing ${failingIn} has no report of dataset '${datasetName}'; pass a report of the dataset (or eval set) this run evaluates.`,
    );
  return { ...values, failing: { source: failingIn, ids } };
}

/**
 * The dataset cut down to its selected samples and registered so, with what the report records
 * of the selection; the dataset as it is when nothing is selected.
 */
function applySelection(
  preparation: Preparation,
  dataset: GoldenDataset,
): { readonly dataset: GoldenDataset; readonly selection: ReportSelection | undefined } {
  const selection = selectionFor(preparation, dataset.name);
  if (!isSelecting(selection)) return { dataset, selection: undefined };
  const samples = selectSamples(dataset.samples, selection);
  if (samples.length === 0)
    throw new UsageError(
      `The sample selection keeps none of the ${dataset.samples.length} samples of dataset '${dataset.name}'${selection.failing === undefined ? '' : ` (every sample passed in ${selection.failing.source})`}; nothing to run.`,
    );
  const selected = { ...dataset, samples };
  preparation.engine.registerDataset(selected);
  return {
    dataset: selected,
    selection: reportSelection(selection, samples.length, dataset.samples.length),
  };
}

/**
 * Check everything one registered dataset's run needs before the first SUT call: gates, the
 * saved outputs or the SUT module, the report it resumes.
 */
async function prepareRegistered(
  preparation: Preparation,
  whole: GoldenDataset,
): Promise<PreparedDataset> {
  const { request, loaded, plan, engine } = preparation;
  checkGateMetrics(plan.gates, scoredNames(whole));
  // Saved outputs must match the whole dataset, whatever part of it runs.
  const saved =
    request.outputsPath === undefined
      ? undefined
      : await loadSavedOutputsFile(resolve(request.cwd, request.outputsPath));
  if (saved !== undefined) engine.checkSavedOutputs(whole.name, saved);
  const { dataset, selection } = applySelection(preparation, whole);
  const selected = selection === undefined ? {} : { selection };
  if (saved !== undefined) {
    const ids = new Set(dataset.samples.map((sample) => sample.id));
    const outputs =
      selection === undefined
        ? saved
        : new SavedOutputs(saved.entries.filter((entry) => ids.has(entry.id)));
    return { dataset, source: { kind: 'outputs', outputs }, ...selected };
  }
  const repeat = repeatOf(loaded, request, dataset.name);
  const ownSut =
    request.sutModule === undefined && loaded.config.datasets?.[dataset.name]?.sut !== undefined;
  return {
    dataset,
    // In lazy-parallel mode the producer never calls the runner; loading it still checks the
    // SUT module and export before any job is queued.
    source: {
      kind: 'sut',
      runner: await resolveRunner(
        loaded,
        request.sutModule,
        request.cwd,
        preparation.cache,
        dataset.name,
      ),
    },
    repeat,
    // A dataset with its own SUT has its own call policy (the request's values still win).
    ...(ownSut
      ? {
          sut: sutCallPolicy(
            loaded,
            { timeoutSeconds: request.sutTimeoutSeconds, retries: request.sutRetries },
            dataset.name,
          ),
        }
      : {}),
    ...(preparation.resume === undefined
      ? {}
      : { resume: keptSamples(preparation.resume, dataset, repeat) }),
    ...selected,
  };
}

/** Every name a dataset's scores are reported under: its metrics and its samples' own checks. */
function scoredNames(dataset: GoldenDataset): string[] {
  const names = new Set(dataset.metrics.map((metric) => metric.name));
  for (const sample of dataset.samples)
    for (const check of sample.assert ?? []) names.add(assertionName(check));
  return [...names];
}

/** A config dataset or dataset file, registered and prepared. */
async function prepareNamed(preparation: Preparation, name: string): Promise<PreparedDataset> {
  const dataset = await prepareDataset(preparation.engine, preparation.loaded, {
    dataset: name,
    metricFlags: [...(preparation.request.metrics ?? [])],
    cwd: preparation.request.cwd,
  });
  return prepareRegistered(preparation, dataset);
}

/**
 * Read and check everything a run needs — the request's combinations, the report it resumes,
 * the baseline, the config, batch options and profiles, metrics, each dataset and its SUT — so
 * every error of the user's input (exit 2) comes before anything is called.
 */
export async function openRun(request: RunRequest): Promise<OpenedRun> {
  checkRunRequest(request);
  const { cwd, target } = request;
  const warnings: string[] = [];
  const resume =
    request.resumePath === undefined
      ? undefined
      : await readResumeReport(resolve(cwd, request.resumePath), request.resumePath);
  const baseline = await loadBaseline(request.baseline, cwd, warnings);
  const loaded = await loadConfig({ cwd, configPath: request.configPath, env: request.env });
  const cache =
    request.cache === false
      ? undefined
      : createDiskCache(resolve(cwd, request.cacheDir ?? DEFAULT_CACHE_DIR));
  const plan = planRun(loaded, request);
  warnings.push(...plan.warnings);
  const engine = new EvalEngine({
    runtime: {
      raiseExceptions: loaded.runtime.raiseExceptions,
      metricConcurrency: loaded.runtime.metricConcurrency,
    },
    metrics: createMetricRegistry(loaded, cache),
  });
  await registerConfigMetrics(engine, loaded);
  const configReporter = await loadConfigReporter(loaded);
  const failingIn = request.selection?.failingIn;
  const notPassing =
    failingIn === undefined ? undefined : await notPassingByDataset(failingIn, cwd);
  const preparation: Preparation = { request, loaded, plan, engine, cache, resume, notPassing };

  let datasets: PreparedDataset[];
  let evalSet: EvalSetDefinition | undefined;
  switch (target.kind) {
    case 'dataset':
      datasets = [await prepareNamed(preparation, target.dataset)];
      break;
    case 'eval-set': {
      evalSet = configEvalSet(loaded, target.evalSet);
      // The manifest is checked now too; it is read again under its lock when the set runs.
      if (target.manifestPath !== undefined)
        (await readEvalSetManifest(resolve(cwd, target.manifestPath)))?.assertMatches(evalSet);
      // Every dataset of the set is checked before the first one runs, so a broken file at the
      // end of the set is one exit 2 up front, not a failure after the others ran for an hour.
      datasets = [];
      for (const name of evalSet.datasetNames) datasets.push(await prepareNamed(preparation, name));
      break;
    }
    case 'adversarial': {
      const dataset = registerAdversarialDataset(engine, {
        name: target.dataset,
        categories: target.categories,
        metrics:
          request.metrics !== undefined && request.metrics.length > 0
            ? request.metrics
            : ['refusal-quality'],
        ...(target.samplesPath === undefined
          ? {}
          : {
              extraSamples: {
                samples: (await loadDatasetFile(resolve(cwd, target.samplesPath))).samples,
                source: target.samplesPath,
              },
            }),
      });
      if (target.recording !== undefined)
        await checkSweepManifest(target.recording.manifestPath, target.dataset);
      datasets = [await prepareRegistered(preparation, dataset)];
      break;
    }
  }
  if (baseline !== undefined)
    checkBaseline(baseline, {
      ...(evalSet === undefined ? {} : { evalSet: evalSet.name }),
      datasets: datasets.map((entry) => entry.dataset.name),
      metrics: datasets.flatMap((entry) => scoredNames(entry.dataset)),
    });
  return {
    request,
    loaded,
    plan,
    engine,
    cache,
    baseline,
    configReporter,
    datasets,
    evalSet,
    warnings,
  };
}
