// `train`'s options: their types, and their validation and defaults in one place.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { activeBackendName, type ConcreteBackendName } from './backend.js';
import { InvalidOptionError } from './errors.js';
import { type LossFn, sparseSoftmaxCrossEntropy } from './loss.js';
import { SevarOptimizer } from './optimizers.js';
import { createSchedule, type Schedule } from './schedules.js';
import type { BatchSource, EpochRecord } from './types.js';

export interface StepInfo {
  /** 1-based epoch being trained. */
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  loss: number;
  lr: number;
}

/** Where a resumed run continues from (`onResume`). */
export interface ResumeInfo {
  /** Epochs completed in the checkpoint; training continues with epoch `epoch + 1`. */
  epoch: number;
  /** Optimizer steps taken so far. */
  globalStep: number;
  /** Path of the checkpoint directory resumed from. */
  checkpoint: string;
}

export interface TrainOptions {
  /** Outputs logits [batch, classes] (no softmax). */
  model: tfl.LayersModel;
  data: { train: BatchSource; test?: BatchSource };
  /** From `createOptimizer`, or any tfjs optimizer (its rate is set through `setLearningRate` or `learningRate`). */
  optimizer: tf.Optimizer;
  /** Default: constant at the optimizer's current learning rate. */
  schedule?: Schedule;
  epochs: number;
  /** Default: sparse softmax cross-entropy (with `labelSmoothing`). */
  loss?: LossFn;
  labelSmoothing?: number;
  /**
   * Coupled L2 added to every gradient (`grad += wd * w`), for optimizers without their own decay.
   * Use `createOptimizer({ weightDecay })` instead for decoupled AdamW or to skip biases/BN.
   */
  weightDecay?: number;
  /** Seeds the trainer's PRNG, which feeds tfjs's dropout during train steps. Default: random. */
  seed?: number;
  /** Checkpoint directory: one `ckpt-<epoch>` directory per epoch, the previous one kept. */
  checkpointDir?: string;
  /**
   * Continue from the newest readable checkpoint in `checkpointDir` (fresh start if there is
   * none; `NoUsableCheckpointError` if there are some and none reads).
   */
  resume?: boolean;
  /** Epoch metrics appended as JSON lines. */
  logFile?: string;
  /** Progress bar on stderr; default: on when stderr is a terminal. */
  progress?: boolean;
  /** Called once, before the first step, when the run continues from a checkpoint. */
  onResume?: (info: ResumeInfo) => void | Promise<void>;
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  onStepEnd?: (info: StepInfo) => void | Promise<void>;
  /** Warnings (checkpoint fallback). Default: console.warn. */
  onWarning?: (message: string) => void;
  /**
   * Train the model's batch norms through one fused op (`fuseBatchNormTraining`), and for
   * inference fold them into the convolutions before them, with their ReLU
   * (`foldBatchNormInference`): the same results within float32 rounding, less memory, faster
   * evaluation. Default true; false keeps tfjs-layers' code (and turns off the fused training
   * that `@sevar/models` builds in).
   */
  fusedBatchNorm?: boolean;
  /**
   * Steps whose loss and accuracy are read from the backend together. 1 reads every step and
   * refuses a non-finite loss before its step is applied; more keep the statistics on the
   * backend and read them at once, so that a GPU is not stalled every step (a non-finite loss
   * is then found up to `readEvery - 1` steps late, after they were applied). Default: 1, and
   * `GPU_READ_EVERY` (10) on webgpu and webgl. Progress and `onStepEnd` follow the reads.
   */
  readEvery?: number;
  /**
   * Node only: split every batch over worker threads, each with its own backend (wasm in Node
   * runs one thread, so this is how a wasm run uses several cores). Gradients are summed and
   * applied on this thread; BN moving statistics are averaged over the shards (per-shard batch
   * statistics, like PyTorch DDP without SyncBN). Workers compute the sparse softmax
   * cross-entropy themselves, so a custom `loss` cannot be combined with it, and dropout draws
   * from each worker's own generator (not from `seed`).
   */
  dataParallel?: {
    /** Worker threads; default 2. */
    workers?: number;
    /**
     * Backend of every worker; default: the active one, as `useBackend` named it
     * (`tensorflow-gpu` stays `tensorflow-gpu`, although tfjs calls it `tensorflow`).
     */
    backend?: ConcreteBackendName;
    /** Modules that register the model's custom layers, imported by each worker. */
    imports?: string[];
  };
}

export interface TrainResult {
  history: EpochRecord[];
  /** Completed epochs found in the checkpoint resumed from, or null for a fresh start. */
  resumedFromEpoch: number | null;
  /** Path of the last checkpoint written or resumed from. */
  lastCheckpoint: string | null;
}

/** `TrainOptions` validated, with every default filled in. */
export interface ResolvedTrainOptions {
  epochs: number;
  labelSmoothing: number;
  weightDecay: number;
  schedule: Schedule;
  /** `data.train.batchesPerEpoch`. */
  stepsPerEpoch: number | undefined;
  trainLoss: LossFn;
  testLoss: LossFn;
  seed: number;
  fusedBatchNorm: boolean;
  readEvery: number;
  warn: (message: string) => void;
  checkpointDir: string | undefined;
  resume: boolean;
  logFile: string | undefined;
  dataParallel: { workers: number; backend: ConcreteBackendName; imports: string[] } | null;
}

/** Validates `options` (throwing `InvalidOptionError` naming the option) and fills in defaults. */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
  const { epochs, optimizer } = options;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new InvalidOptionError('train: epochs', 'an integer >= 1', epochs);
  }
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new InvalidOptionError('train: labelSmoothing', 'a number in [0, 1)', labelSmoothing);
  }
  const weightDecay = resolveWeightDecay(options);
  if (options.resume === true && options.checkpointDir === undefined) {
    throw new InvalidOptionError(
      'train: checkpointDir',
      'a directory when resume is true',
      undefined,
    );
  }
  const schedule =
    options.schedule ?? createSchedule({ name: 'constant', lr: initialLearningRate(optimizer) });
  const stepsPerEpoch = options.data.train.batchesPerEpoch;
  if (schedule.perStep && stepsPerEpoch === undefined) {
    throw new InvalidOptionError(
      `train: data.train.batchesPerEpoch (needed by the per-step '${schedule.name}' schedule)`,
      'a number',
      undefined,
    );
  }
  if (options.dataParallel !== undefined && options.loss !== undefined) {
    throw new InvalidOptionError(
      'train: loss',
      'unset when dataParallel is used (workers compute the sparse softmax cross-entropy)',
      'a custom loss function',
    );
  }
  return {
    epochs,
    labelSmoothing,
    weightDecay,
    schedule,
    stepsPerEpoch,
    trainLoss:
      options.loss ??
      ((logits, labels) => sparseSoftmaxCrossEntropy(logits, labels, labelSmoothing)),
    testLoss: options.loss ?? ((logits, labels) => sparseSoftmaxCrossEntropy(logits, labels)),
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
    fusedBatchNorm: options.fusedBatchNorm ?? true,
    readEvery: resolveReadEvery(options.readEvery),
    warn: options.onWarning ?? ((m: string) => console.warn(m)),
    checkpointDir: options.checkpointDir,
    resume: options.resume === true,
    logFile: options.logFile,
    dataParallel: resolveDataParallel(options.dataParallel),
  };
}

/** `readEvery`'s default on the GPU backends, where each read waits for the device. */
export const GPU_READ_EVERY = 10;

function resolveReadEvery(readEvery: number | undefined): number {
  if (readEvery === undefined) {
    return ['webgpu', 'webgl'].includes(tf.getBackend()) ? GPU_READ_EVERY : 1;
  }
  if (!Number.isInteger(readEvery) || readEvery < 1) {
    throw new InvalidOptionError('train: readEvery', 'an integer >= 1', readEvery);
  }
  return readEvery;
}

function resolveWeightDecay(options: TrainOptions): number {
  const weightDecay = options.weightDecay ?? 0;
  if (!(weightDecay >= 0)) throw new InvalidOptionError('train: weightDecay', '>= 0', weightDecay);
  const { optimizer } = options;
  if (weightDecay > 0 && optimizer instanceof SevarOptimizer && optimizer.weightDecay > 0) {
    throw new InvalidOptionError(
      'train: weightDecay',
      '0 when the optimizer already has weightDecay (it would be applied twice)',
      weightDecay,
    );
  }
  return weightDecay;
}

function resolveDataParallel(
  dataParallel: TrainOptions['dataParallel'],
): ResolvedTrainOptions['dataParallel'] {
  if (dataParallel === undefined) return null;
  return {
    workers: dataParallel.workers ?? 2,
    // The name useBackend resolved to: tf.getBackend() reads 'tensorflow' for tfjs-node-gpu too,
    // which would give the workers the CPU build.
    backend: dataParallel.backend ?? activeBackendName('train: dataParallel.backend'),
    imports: dataParallel.imports ?? [],
  };
}

function initialLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as tf.Optimizer & { learningRate?: unknown }).learningRate;
  if (typeof lr !== 'number') {
    throw new InvalidOptionError(
      'train: schedule',
      'a schedule (optimizer has no numeric learningRate)',
      undefined,
    );
  }
  return lr;
}

/** Sets the optimizer's learning rate through `setLearningRate`, or its `learningRate` field. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as tf.Optimizer & {
    setLearningRate?: (lr: number) => void;
    learningRate?: number;
  };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
