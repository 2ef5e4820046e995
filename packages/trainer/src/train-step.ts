// `train`'s ways to take a step — on this thread, or over data-parallel workers — behind one
// interface. All compute through `stepGradients` and report a backend out of memory as such.
// Reading a step's loss waits for the backend to finish it: with `readEvery` 1 every step is
// read (and a non-finite loss refused) before it is applied; with more, the steps' statistics
// stay on the backend and are read together, so that a GPU is not stalled on every step.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { outOfMemory } from './backend.js';
import { NonFiniteLossError } from './errors.js';
import { isOutOfMemory } from './io-errors.js';
import type { LossFn } from './loss.js';
import { type Rng, withRandom } from './rng.js';
import { stepGradients } from './step.js';
import type { ResolvedTrainOptions } from './train-options.js';

/** Where a step is, for its errors. */
export interface StepPosition {
  /** 1-based. */
  epoch: number;
  /** 1-based within the epoch. */
  step: number;
  lastCheckpoint: string | null;
  /** The run's initial learning rate (the schedule's `lr`), for a non-finite loss's hint. */
  initialLr: number | null;
}

export interface StepRunner {
  /**
   * One optimizer step on the batch. Throws `NonFiniteLossError` (nothing applied) or
   * `BackendOutOfMemoryError`. Does not dispose xs/ys.
   */
  run(xs: tf.Tensor, ys: tf.Tensor1D, at: StepPosition): Promise<void>;
  /** Steps run and not read yet. */
  unread(): number;
  /**
   * The [loss sum, top-1 hits, top-5 hits] (of the weights before each update) of every step
   * run since the last read, in order. Deferred steps: throws `NonFiniteLossError` for the
   * first non-finite loss (it and the steps after it were applied).
   */
  read(): Promise<number[][]>;
  close(): Promise<void>;
}

/** Runs `step` now and keeps its values for `read`. */
function immediate(
  step: (xs: tf.Tensor, ys: tf.Tensor1D, at: StepPosition) => Promise<number[]>,
  close: () => Promise<void>,
): StepRunner {
  let done: number[][] = [];
  return {
    async run(xs, ys, at) {
      done.push(await step(xs, ys, at));
    },
    unread: () => done.length,
    async read() {
      const values = done;
      done = [];
      return values;
    },
    close,
  };
}

/** The runner `options` ask for: data-parallel workers, or this thread. */
export async function createStepRunner(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  rng: Rng,
  options: ResolvedTrainOptions,
): Promise<StepRunner> {
  if (options.dataParallel !== null) {
    const { createDataParallelStep } = await import('./parallel/data-parallel.js');
    const parallel = await createDataParallelStep({
      model,
      ...options.dataParallel,
      labelSmoothing: options.labelSmoothing,
      fusedBatchNorm: options.fusedBatchNorm,
    });
    return immediate(
      async (xs, ys, at) => {
        const n = ys.shape[0];
        const r = await parallel.step(xs, ys, optimizer, { weightDecay: options.weightDecay });
        // A non-finite loss applied nothing (weights and BN statistics are as they were).
        if (!r.applied) throw nonFinite(at, r.loss);
        return [r.loss * n, r.top1 * n, r.top5 * n];
      },
      () => parallel.close(),
    );
  }
  const args = [model, optimizer, rng, options.trainLoss, options.weightDecay] as const;
  if (options.readEvery > 1) return deferredRunner(...args);
  const step = localStep(...args);
  return immediate(
    async (xs, ys, at) => {
      try {
        return await step(xs, ys, at);
      } catch (error) {
        if (isOutOfMemory(error)) throw outOfMemory(ys.shape[0], error);
        throw error;
      }
    },
    async () => {},
  );
}

/**
 * Applies each step at once and keeps its statistics on the backend; `read` fetches all of
 * them in one transfer. A non-finite loss is found at the read, after later steps applied.
 */
function deferredRunner(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  rng: Rng,
  loss: LossFn,
  weightDecay: number,
): StepRunner {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let pending: { stats: tf.Tensor1D; at: StepPosition; n: number }[] = [];
  return {
    async run(xs, ys, at) {
      try {
        const { stats, grads } = withRandom(rng, () =>
          stepGradients(model, variables, xs, ys, { loss, weightDecay }),
        );
        pending.push({ stats, at, n: ys.shape[0] });
        try {
          optimizer.applyGradients(
            variables.map((v) => ({ name: v.name, tensor: grads[v.name]! })),
          );
        } finally {
          tf.dispose(grads);
        }
      } catch (error) {
        if (isOutOfMemory(error)) throw outOfMemory(ys.shape[0], error);
        throw error;
      }
    },
    unread: () => pending.length,
    async read() {
      const steps = pending;
      pending = [];
      if (steps.length === 0) return [];
      const all = tf.stack(steps.map((p) => p.stats));
      tf.dispose(steps.map((p) => p.stats));
      let flat: Float32Array;
      try {
        flat = (await all.data()) as Float32Array;
      } finally {
        all.dispose();
      }
      const values = steps.map((_, i) => Array.from(flat.subarray(3 * i, 3 * i + 3)));
      const bad = values.findIndex((v, i) => !Number.isFinite(v[0]! / steps[i]!.n));
      if (bad >= 0)
        throw nonFinite(steps[bad]!.at, values[bad]![0]! / steps[bad]!.n, steps.length - bad);
      return values;
    },
    async close() {
      tf.dispose(pending.map((p) => p.stats));
      pending = [];
    },
  };
}

function localStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  rng: Rng,
  loss: LossFn,
  weightDecay: number,
): (xs: tf.Tensor, ys: tf.Tensor1D, at: StepPosition) => Promise<number[]> {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return async (xs, ys, at) => {
    // BN moving statistics change during the forward pass; keep the old ones (clones share
    // memory, so this is cheap) to put back if this step's loss is non-finite.
    const stateBefore = model.nonTrainableWeights.map((w) => tf.clone(w.read()));
    try {
      const { stats, grads } = withRandom(rng, () =>
        stepGradients(model, variables, xs, ys, { loss, weightDecay }),
      );
      try {
        let values: Float32Array;
        try {
          values = (await stats.data()) as Float32Array;
        } finally {
          stats.dispose();
        }
        const lossValue = values[0]! / ys.shape[0];
        if (!Number.isFinite(lossValue)) {
          model.nonTrainableWeights.forEach((w, i) => w.write(stateBefore[i]!));
          throw nonFinite(at, lossValue);
        }
        optimizer.applyGradients(variables.map((v) => ({ name: v.name, tensor: grads[v.name]! })));
        return Array.from(values);
      } finally {
        tf.dispose(grads);
      }
    } finally {
      tf.dispose(stateBefore);
    }
  };
}

function nonFinite(at: StepPosition, loss: number, applied = 0): NonFiniteLossError {
  return new NonFiniteLossError(at.epoch, at.step, loss, at.lastCheckpoint, at.initialLr, applied);
}
