import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('library API', () => {
  it('exports exactly the documented names', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "BATCH_FLAGS",
        "BUILTIN_PROFILES",
        "CitationGroundednessMetric",
        "ConfigError",
        "ContainsMetric",
        "DATASET_SCHEMA_V1",
        "DatasetBuilder",
        "DatasetSchemaError",
        "EvalEngine",
        "EvalHarnessError",
        "EvalRunError",
        "EvalSetManifest",
        "ExactMatchMetric",
        "InfraError",
        "MetricError",
        "MetricRegistry",
        "PROGRESS_STATUS",
        "REPORT_SCHEMA_V1",
        "RateLimitWindow",
        "RegexMetric",
        "ReportSchemaError",
        "RougeLMetric",
        "SavedOutputs",
        "SutError",
        "UsageError",
        "buildReportJson",
        "collectLazyParallelOutputs",
        "createBatchOptions",
        "createEvalReport",
        "createEvalSet",
        "createGoldenDataset",
        "createInProcessTransport",
        "createLazyParallelTransport",
        "createMetricScore",
        "createProfileResolver",
        "createSample",
        "createSampleInvocation",
        "defineConfig",
        "dispatchLazyParallel",
        "effectiveChunkSize",
        "evalSetFromJson",
        "evalSetToJson",
        "evaluateScoreGates",
        "loadConfig",
        "loadDatasetFile",
        "loadSavedOutputsFile",
        "normalizeBoolean",
        "normalizeNonNegativeInt",
        "normalizeTimeout",
        "nullProgressReporter",
        "openLazyParallelSession",
        "parseDatasetYaml",
        "parseSavedOutputs",
        "parseScoreGate",
        "renderJsonReport",
        "renderJunitReport",
        "renderMarkdownReport",
        "resolveBatchOptions",
        "runEvalSet",
        "runProducerLoop",
        "serialBatchOptions",
        "startWorkerPool",
        "summarizeReport",
        "systemClock",
      ]
    `);
  });

  it('defineConfig is the identity', () => {
    const config = { datasets: { a: { path: 'a.yml' } } };
    expect(api.defineConfig(config)).toBe(config);
  });
});
