export { createSampleInvocation, type SampleInvocation } from './sample-invocation.js';
export { SutCallError, type SampleRunner, type SampleRunnerContext } from './sample-runner.js';
export {
  SutAnswerSchema,
  answerFromParts,
  toSutAnswer,
  type RetrievedItem,
  type SutAnswer,
  type SutUsage,
  type TrajectoryStep,
} from './sut-answer.js';
export { loadModuleRunner, type ModuleRunnerSpec } from './module-runner.js';
export { SavedOutputs, type SavedOutputEntry } from './saved-outputs.js';
export { loadSavedOutputsFile, parseSavedOutputs } from './saved-outputs-file.js';
export { createHttpRunner, type HttpRunnerSpec } from './http-runner.js';
export { createCommandRunner, type CommandRunnerSpec } from './command-runner.js';
export { fillJson, fillText } from './template.js';
