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
        "REPORT_SCHEMA_V1",
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
        "parseDatasetYaml",
        "parseSavedOutputs",
        "parseScoreGate",
        "renderJsonReport",
        "renderJunitReport",
        "renderMarkdownReport",
        "resolveBatchOptions",
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
