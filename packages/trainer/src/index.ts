// Node entry: the browser entry's explicitly named exports, plus the parts that need Node —
// checkpoint and model files, and worker-thread data parallelism. Nothing else is listed here,
// so the two entries cannot drift apart (entry.test.ts checks the Node-only list).
export * from './browser.js';
export { createDataParallelStep, DataParallelError } from './parallel/data-parallel.js';
export type {
  DataParallelOptions,
  DataParallelStep,
  DataParallelStepOptions,
  DataParallelStepResult,
} from './parallel/data-parallel.js';
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
export {
  saveModel,
  loadModel,
  MODEL_JSON,
  MODEL_WEIGHTS,
  MODEL_CHECKSUMS,
  MODEL_CHECKSUMS_FORMAT,
} from './model-files.js';
export type { FileChecksum, LoadModelOptions, ModelChecksums } from './model-files.js';
