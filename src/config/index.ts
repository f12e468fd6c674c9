export {
  BatchesSchema,
  ConfigSchema,
  LazyParallelSchema,
  CustomMetricSchema,
  DatasetEntrySchema,
  ModuleSutSchema,
  RuntimeSchema,
  SutSchema,
  defineConfig,
  type EvalHarnessConfig,
  type ParsedConfig,
  type SutConfig,
} from './config-schema.js';
export {
  CONFIG_FILE_NAMES,
  loadConfig,
  type LoadConfigOptions,
  type LoadedConfig,
  type ResolvedRuntime,
} from './load-config.js';
export { normalizeBoolean, normalizeNonNegativeInt, normalizeTimeout } from './normalizers.js';
export { strictObject, suggestKey, unknownKeyMessage } from './strict-object.js';
