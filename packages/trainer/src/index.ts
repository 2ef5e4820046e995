export { useBackend, BACKEND_NAMES } from './backend.js';
export type {
  BackendInfo,
  BackendName,
  ConcreteBackendName,
  ModuleImporter,
  UseBackendOptions,
} from './backend.js';
export { train, evaluate } from './train.js';
export { lowMemoryVariableGrads } from './grads.js';
export { fuseBatchNormTraining } from './batch-norm.js';
export { createDataParallelStep, DataParallelError } from './parallel/data-parallel.js';
export type {
  DataParallelOptions,
  DataParallelStep,
  DataParallelStepOptions,
  DataParallelStepResult,
} from './parallel/data-parallel.js';
export type { StepInfo, TrainOptions, TrainResult } from './train.js';
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
export {
  saveCheckpoint,
  loadLatestCheckpoint,
  restoreCheckpoint,
  checkpointDirName,
  CHECKPOINT_FORMAT,
} from './checkpoint.js';
export type {
  CheckpointManifest,
  CheckpointState,
  CheckpointTensorEntry,
  LoadedCheckpoint,
} from './checkpoint.js';
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
export type { Batch, BatchSource, EpochRecord, Metrics, NamedTensor } from './types.js';
