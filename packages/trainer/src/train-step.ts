// `train`'s two ways to take a step — on this thread, or over data-parallel workers — behind one
// interface. Both compute through `stepGradients`; both refuse a non-finite loss before applying
// anything and report a backend out of memory as such.
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
   * One optimizer step on the batch: resolves to its [loss sum, top-1 hits, top-5 hits] (of the
   * weights before the update). Throws `NonFiniteLossError` (nothing applied) or
   * `BackendOutOfMemoryError`. Does not dispose xs/ys.
   */
  run(xs: tf.Tensor, ys: tf.Tensor1D, at: StepPosition): Promise<number[]>;
  close(): Promise<void>;
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
    return {
      async run(xs, ys, at) {
        const n = ys.shape[0];
        const r = await parallel.step(xs, ys, optimizer, { weightDecay: options.weightDecay });
        // A non-finite loss applied nothing (weights and BN statistics are as they were).
        if (!r.applied) throw nonFinite(at, r.loss);
        return [r.loss * n, r.top1 * n, r.top5 * n];
      },
      close: () => parallel.close(),
    };
  }
  const step = localStep(model, optimizer, rng, options.trainLoss, options.weightDecay);
  return {
    async run(xs, ys, at) {
      try {
        return await step(xs, ys, at);
      } catch (error) {
        if (isOutOfMemory(error)) throw outOfMemory(ys.shape[0], error);
        throw error;
      }
    },
    close: async () => {},
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

function nonFinite(at: StepPosition, loss: number): NonFiniteLossError {
  return new NonFiniteLossError(at.epoch, at.step, loss, at.lastCheckpoint, at.initialLr);
}
