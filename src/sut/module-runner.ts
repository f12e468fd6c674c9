import { ConfigError, InfraError, errorMessage } from '../errors.js';
import { importUserModule } from '../load-module.js';
import { debugType } from '../values.js';
import type { SampleRunner } from './sample-runner.js';
import { pathInfo } from '../path-info.js';

export interface ModuleRunnerSpec {
  /** Absolute path of the module. */
  readonly path: string;
  /** @defaultValue 'default' */
  readonly exportName?: string;
  /** Where the spec came from, for messages: `sut.path in eval-harness.config.ts`, `--sut`. */
  readonly source: string;
}

/** Load a `module` SUT: a file whose named export is the runner function. */
export async function loadModuleRunner(spec: ModuleRunnerSpec): Promise<SampleRunner> {
  const exportName = spec.exportName ?? 'default';
  const info = await pathInfo(spec.path);
  if (!info?.isFile()) {
    throw new ConfigError(
      `SUT module not found: ${spec.path} (from ${spec.source}). Check the path; it is relative to the config file's folder (or the working directory for --sut).`,
    );
  }
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(spec.path);
  } catch (error) {
    throw new InfraError(`SUT module ${spec.path} failed to load: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  const runner = module[exportName];
  if (typeof runner !== 'function') {
    const exported = Object.keys(module).filter((key) => key !== '__esModule');
    throw new ConfigError(
      `SUT module ${spec.path} (from ${spec.source}) must export a function named '${exportName}'; got ${debugType(runner)}. Exports found: ${exported.length > 0 ? exported.join(', ') : 'none'}.`,
    );
  }
  return runner as SampleRunner;
}
