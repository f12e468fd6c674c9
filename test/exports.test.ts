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
        "createBatchOptions",
        "createEvalReport",
        "createGoldenDataset",
        "createInProcessTransport",
        "createMetricScore",
        "createProfileResolver",
        "createSample",
        "createSampleInvocation",
        "defineConfig",
        "effectiveChunkSize",
        "evaluateScoreGates",
        "loadConfig",
        "loadDatasetFile",
        "loadSavedOutputsFile",
        "normalizeBoolean",
        "normalizeNonNegativeInt",
        "normalizeTimeout",
        "nullProgressReporter",
        "parseDatasetYaml",
        "parseSavedOutputs",
        "parseScoreGate",
        "renderJsonReport",
        "renderJunitReport",
        "renderMarkdownReport",
        "resolveBatchOptions",
        "runProducerLoop",
        "serialBatchOptions",
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
