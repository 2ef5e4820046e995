import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// tfjs-layers registers tfjs-core's gradient functions (tfjs-core's Node entry does not).
import '@tensorflow/tfjs-layers';
import { fuseBatchNormTraining } from './batch-norm.js';
import { InvalidOptionError, NonFiniteLossError } from './errors.js';
import { lowMemoryVariableGrads } from './grads.js';
import { type LossFn, sparseSoftmaxCrossEntropy } from './loss.js';
import { topKHits } from './metrics.js';
import { SevarOptimizer } from './optimizers.js';
import { createProgress } from './progress.js';
import { Rng, withRandom } from './rng.js';
import type { ConcreteBackendName } from './backend.js';
import type { DataParallelStep } from './parallel/data-parallel.js';
import { createSchedule, type Schedule } from './schedules.js';
import type { BatchSource, EpochRecord, Metrics } from './types.js';

export interface StepInfo {
  /** 1-based epoch being trained. */
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  loss: number;
  lr: number;
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
  /** Continue from the newest readable checkpoint in `checkpointDir` (fresh start if none). */
  resume?: boolean;
  /** Epoch metrics appended as JSON lines. */
  logFile?: string;
  /** Progress bar on stderr; default: on when stderr is a terminal. */
  progress?: boolean;
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  onStepEnd?: (info: StepInfo) => void | Promise<void>;
  /** Warnings (checkpoint fallback). Default: console.warn. */
  onWarning?: (message: string) => void;
  /**
   * Train the model's batch norms through one fused op (`fuseBatchNormTraining`): the same
   * results within float32 rounding, less memory. Default true; false keeps tfjs-layers' code.
   */
  fusedBatchNorm?: boolean;
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
    /** Backend of every worker; default: the backend active when `train` is called. */
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

function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as tf.Optimizer & {
    setLearningRate?: (lr: number) => void;
    learningRate?: number;
  };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
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

interface Sums {
  loss: number;
  top1: number;
  top5: number;
  examples: number;
}

function toMetrics(s: Sums): Metrics {
  const n = Math.max(1, s.examples);
  return { loss: s.loss / n, top1: s.top1 / n, top5: s.top5 / n, examples: s.examples };
}

/** [sum of per-example loss, top-1 hits, top-5 hits] of a batch: one small read per step. */
function batchStats(loss: tf.Scalar, logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const n = logits.shape[0];
  const k5 = Math.min(5, logits.shape[1]);
  return tf.stack([
    tf.mul(loss, n),
    tf.sum(topKHits(logits, labels, 1)),
    tf.sum(topKHits(logits, labels, k5)),
  ]) as tf.Tensor1D;
}

/**
 * Trains `model` on a custom loop: per-step learning rates from the schedule, BN in training mode
 * for train steps and inference mode for evaluation, loss/top-1/top-5 on train (running) and test
 * every epoch, an atomic checkpoint per epoch, JSON-lines metrics and a progress bar. A NaN or
 * infinite loss throws `NonFiniteLossError` before the step is applied.
 *
 * Bit-exact resume and determinism (on the cpu backend) need: the model's initial weights built
 * under `withSeed`, a `seed` here, and a data source whose batches depend only on the epoch.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { model, data, optimizer, epochs } = options;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new InvalidOptionError('train: epochs', 'an integer >= 1', epochs);
  }
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new InvalidOptionError('train: labelSmoothing', 'a number in [0, 1)', labelSmoothing);
  }
  const weightDecay = options.weightDecay ?? 0;
  if (!(weightDecay >= 0)) throw new InvalidOptionError('train: weightDecay', '>= 0', weightDecay);
  if (weightDecay > 0 && optimizer instanceof SevarOptimizer && optimizer.weightDecay > 0) {
    throw new InvalidOptionError(
      'train: weightDecay',
      '0 when the optimizer already has weightDecay (it would be applied twice)',
      weightDecay,
    );
  }
  if (options.resume === true && options.checkpointDir === undefined) {
    throw new InvalidOptionError(
      'train: checkpointDir',
      'a directory when resume is true',
      undefined,
    );
  }
  const schedule =
    options.schedule ?? createSchedule({ name: 'constant', lr: initialLearningRate(optimizer) });
  const stepsPerEpoch = data.train.batchesPerEpoch;
  if (schedule.perStep && stepsPerEpoch === undefined) {
    throw new InvalidOptionError(
      `train: data.train.batchesPerEpoch (needed by the per-step '${schedule.name}' schedule)`,
      'a number',
      undefined,
    );
  }
  const trainLoss: LossFn =
    options.loss ?? ((logits, labels) => sparseSoftmaxCrossEntropy(logits, labels, labelSmoothing));
  const testLoss: LossFn =
    options.loss ?? ((logits, labels) => sparseSoftmaxCrossEntropy(logits, labels));
  if (options.dataParallel !== undefined && options.loss !== undefined) {
    throw new InvalidOptionError(
      'train: loss',
      'unset when dataParallel is used (workers compute the sparse softmax cross-entropy)',
      'a custom loss function',
    );
  }
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const rng = new Rng(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const progress = await createProgress(options.progress);
  // Checkpoints and logs need the file system: loaded only when asked for, so that `train`
  // also runs in a browser bundle.
  const checkpoints =
    options.checkpointDir !== undefined ? await import('./checkpoint.js') : undefined;

  let startEpoch = 0;
  let globalStep = 0;
  let history: EpochRecord[] = [];
  let lastCheckpoint: string | null = null;
  let resumedFromEpoch: number | null = null;
  if (options.resume === true && options.checkpointDir !== undefined && checkpoints) {
    const loaded = await checkpoints.loadLatestCheckpoint(options.checkpointDir, warn);
    if (loaded !== null) {
      await checkpoints.restoreCheckpoint(loaded, model, optimizer);
      const { state } = loaded.manifest;
      startEpoch = state.epoch;
      globalStep = state.globalStep;
      history = state.history;
      rng.setState(state.rng);
      lastCheckpoint = loaded.path;
      resumedFromEpoch = state.epoch;
    }
  }

  const fused = options.fusedBatchNorm ?? true;
  if (fused) fuseBatchNormTraining(model);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let parallel: DataParallelStep | null = null;
  if (options.dataParallel !== undefined) {
    const { createDataParallelStep } = await import('./parallel/data-parallel.js');
    parallel = await createDataParallelStep({
      model,
      workers: options.dataParallel.workers ?? 2,
      backend: options.dataParallel.backend ?? (tf.getBackend() as ConcreteBackendName),
      imports: options.dataParallel.imports ?? [],
      labelSmoothing,
      fusedBatchNorm: fused,
    });
  }
  try {
    return await trainEpochs();
  } finally {
    await parallel?.close();
  }

  async function trainEpochs(): Promise<TrainResult> {
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      const sums: Sums = { loss: 0, top1: 0, top5: 0, examples: 0 };
      const started = performance.now();
      let step = 0;
      let firstLr = NaN;
      progress.start(epoch + 1, epochs, stepsPerEpoch);
      try {
        for await (const { xs, ys } of data.train.epoch(epoch)) {
          let stateBefore: tf.Tensor[] = [];
          try {
            const lr = schedule.learningRate({
              epoch,
              stepInEpoch: step,
              stepsPerEpoch: stepsPerEpoch ?? 0,
              totalEpochs: epochs,
            });
            if (step === 0) firstLr = lr;
            setLearningRate(optimizer, lr);
            let values: number[];
            const n = ys.shape[0];
            if (parallel !== null) {
              const r = await parallel.step(xs, ys, optimizer, { weightDecay });
              values = [r.loss * n, r.top1 * n, r.top5 * n];
              // A non-finite loss applied nothing (weights and BN statistics are as they were).
              if (!r.applied)
                throw new NonFiniteLossError(epoch + 1, step + 1, r.loss, lastCheckpoint);
            } else {
              // BN moving statistics change during the forward pass; keep the old ones (clones
              // share memory, so this is cheap) to put back if this step's loss is non-finite.
              stateBefore = model.nonTrainableWeights.map((w) => tf.clone(w.read()));
              values = await localStep(xs, ys, epoch, step, stateBefore);
            }
            const lossValue = values[0]! / n;
            sums.loss += values[0]!;
            sums.top1 += values[1]!;
            sums.top5 += values[2]!;
            sums.examples += n;
            step++;
            globalStep++;
            const seconds = (performance.now() - started) / 1000;
            const running = toMetrics(sums);
            progress.update(step, {
              loss: running.loss,
              top1: running.top1,
              imagesPerSecond: sums.examples / Math.max(seconds, 1e-9),
            });
            await options.onStepEnd?.({ epoch: epoch + 1, step, loss: lossValue, lr });
          } finally {
            tf.dispose([xs, ys, ...stateBefore]);
          }
        }
      } finally {
        progress.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      const test = data.test === undefined ? null : await evaluate(model, data.test, testLoss);
      const record: EpochRecord = {
        epoch: epoch + 1,
        lr: firstLr,
        train: toMetrics(sums),
        test,
        seconds,
        imagesPerSecond: sums.examples / Math.max(seconds, 1e-9),
      };
      history.push(record);
      if (options.checkpointDir !== undefined && checkpoints) {
        const previous = lastCheckpoint === null ? [] : [lastCheckpoint.split('/').pop()!];
        lastCheckpoint = await checkpoints.saveCheckpoint(
          options.checkpointDir,
          model,
          optimizer,
          {
            epoch: epoch + 1,
            globalStep,
            rng: rng.getState(),
            history,
            optimizer: { className: optimizer.getClassName(), config: optimizer.getConfig() },
          },
          previous.filter((p) => p !== checkpoints.checkpointDirName(epoch + 1)),
        );
      }
      if (options.logFile !== undefined) {
        const { appendFile } = await import('node:fs/promises');
        await appendFile(
          options.logFile,
          `${JSON.stringify({ ...record, time: new Date().toISOString() })}\n`,
        );
      }
      await options.onEpochEnd?.(record);
    }
    return { history, resumedFromEpoch, lastCheckpoint };
  }

  /** One step on this thread: [loss sum, top-1 hits, top-5 hits]; applies the update. */
  async function localStep(
    xs: tf.Tensor,
    ys: tf.Tensor1D,
    epoch: number,
    step: number,
    stateBefore: tf.Tensor[],
  ): Promise<number[]> {
    const { stats, grads } = withRandom(rng, () =>
      tf.tidy(() => {
        let kept: tf.Tensor1D | null = null;
        const result = lowMemoryVariableGrads(() => {
          const logits = model.apply(xs, { training: true }) as tf.Tensor2D;
          const loss = trainLoss(logits, ys);
          kept = tf.keep(batchStats(loss, logits, ys));
          const extra = model.calculateLosses();
          return extra.length === 0 ? loss : tf.addN([loss, ...extra]);
        }, variables);
        const grads =
          weightDecay === 0
            ? result.grads
            : Object.fromEntries(
                variables.map((v) => [
                  v.name,
                  tf.add(result.grads[v.name]!, tf.mul(v, weightDecay)),
                ]),
              );
        return { stats: kept! as tf.Tensor1D, grads };
      }),
    );
    let values: Float32Array;
    try {
      values = (await stats.data()) as Float32Array;
    } finally {
      stats.dispose();
    }
    const lossValue = values[0]! / ys.shape[0];
    if (!Number.isFinite(lossValue)) {
      tf.dispose(grads);
      model.nonTrainableWeights.forEach((w, i) => w.write(stateBefore[i]!));
      throw new NonFiniteLossError(epoch + 1, step + 1, lossValue, lastCheckpoint);
    }
    optimizer.applyGradients(variables.map((v) => ({ name: v.name, tensor: grads[v.name]! })));
    tf.dispose(grads);
    return Array.from(values);
  }
}

/**
 * Loss, top-1 and top-5 of `model` on the batches of `source.epoch(0)` with BN (and dropout) in
 * inference mode. Disposes the batches.
 */
export async function evaluate(
  model: tfl.LayersModel,
  source: BatchSource,
  loss: LossFn = (logits, labels) => sparseSoftmaxCrossEntropy(logits, labels),
): Promise<Metrics> {
  const sums: Sums = { loss: 0, top1: 0, top5: 0, examples: 0 };
  for await (const { xs, ys } of source.epoch(0)) {
    try {
      const stats = tf.tidy(() => {
        const logits = model.apply(xs, { training: false }) as tf.Tensor2D;
        return batchStats(loss(logits, ys), logits, ys);
      });
      const values = await stats.data();
      stats.dispose();
      sums.loss += values[0]!;
      sums.top1 += values[1]!;
      sums.top5 += values[2]!;
      sums.examples += ys.shape[0];
    } finally {
      tf.dispose([xs, ys]);
    }
  }
  return toMetrics(sums);
}
