// Browser entry (the `browser` export condition): everything but the Node-only parts —
// checkpoint and model files, and worker-thread data parallelism. `train` loads its file-system
// code only when given a `checkpointDir` or `logFile`, so it bundles for a page as it is.
// The Node entry (index.ts) re-exports this list and adds only the Node-only parts.
export { useBackend, activeBackendName, BACKEND_NAMES } from './backend.js';
export type {
  BackendInfo,
  BackendName,
  ConcreteBackendName,
  ModuleImporter,
  UseBackendOptions,
} from './backend.js';
export { train, evaluate } from './train.js';
export { lowMemoryGradientsOn, lowMemoryVariableGrads, setLowMemoryGradients } from './grads.js';
export { foldBatchNormInference, fuseBatchNormTraining } from '@sevar/layers';
export type { ResumeInfo, StepInfo, TrainOptions, TrainResult } from './train.js';
export {
  createOptimizer,
  SevarOptimizer,
  SevarSGD,
  SevarAdadelta,
  SevarAdam,
  OPTIMIZER_NAMES,
} from './optimizers.js';
export type { OptimizerName, OptimizerOptions } from './optimizers.js';
export { createSchedule, SCHEDULE_NAMES } from './schedules.js';
export type { Schedule, ScheduleOptions, SchedulePosition } from './schedules.js';
export { sparseSoftmaxCrossEntropy } from './loss.js';
export type { LossFn } from './loss.js';
export { topKHits, topKAccuracy } from './metrics.js';
export { Rng, withRandom, withSeed } from './rng.js';
export type { RngState } from './rng.js';
export {
  TrainerError,
  InvalidOptionError,
  BackendNotInstalledError,
  BackendInitError,
  NonFiniteLossError,
  CheckpointError,
} from './errors.js';
export {
  EmptyDataError,
  FileWriteError,
  CheckpointWriteError,
  NoUsableCheckpointError,
  BackendOutOfMemoryError,
  ModelFileError,
} from './io-errors.js';
export type {
  CheckpointAttempt,
  HintOption,
  ModelFileProblem,
  OutOfMemoryPhase,
} from './io-errors.js';
export type { Batch, BatchSource, EpochRecord, Metrics, NamedTensor } from './types.js';
