// The computation of one training step, shared by `train` on this thread and by every
// data-parallel worker, so that both paths take their gradients and metrics the same way.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { lowMemoryVariableGrads } from './grads.js';
import type { LossFn } from './loss.js';
import { topKHits } from './metrics.js';
import type { Metrics } from './types.js';

/** [sum of per-example loss, top-1 hits, top-5 hits] of a batch: one small read per step. */
export function batchStats(loss: tf.Scalar, logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const n = logits.shape[0];
  const k5 = Math.min(5, logits.shape[1]);
  return tf.stack([
    tf.mul(loss, n),
    tf.sum(topKHits(logits, labels, 1)),
    tf.sum(topKHits(logits, labels, k5)),
  ]) as tf.Tensor1D;
}

/** Running sums of `batchStats` over batches. */
export interface Sums {
  loss: number;
  top1: number;
  top5: number;
  examples: number;
}

export function emptySums(): Sums {
  return { loss: 0, top1: 0, top5: 0, examples: 0 };
}

/** Adds one batch's [loss sum, top-1 hits, top-5 hits] over `examples` examples. */
export function addToSums(sums: Sums, values: ArrayLike<number>, examples: number): void {
  sums.loss += values[0]!;
  sums.top1 += values[1]!;
  sums.top5 += values[2]!;
  sums.examples += examples;
}

export function toMetrics(s: Sums): Metrics {
  const n = Math.max(1, s.examples);
  return { loss: s.loss / n, top1: s.top1 / n, top5: s.top5 / n, examples: s.examples };
}

export interface StepGradientsOptions {
  /** Loss of the batch (mean over its examples). */
  loss: LossFn;
  /** Multiplies the objective and so the gradients (a shard's share of the full batch). Default 1. */
  scale?: number;
  /** Coupled L2 added to each gradient (`grad += weightDecay * w`). Default 0. */
  weightDecay?: number;
}

/** One step's gradients and the batch statistics of the weights before the update; caller disposes. */
export interface StepGradients {
  /** `batchStats` of the batch: [loss sum, top-1 hits, top-5 hits]. */
  stats: tf.Tensor1D;
  /** Gradient of `scale * (loss + the model's regularisation losses)` per variable name. */
  grads: tf.NamedTensorMap;
}

/**
 * Forward pass with BN and dropout in training mode (BN moving statistics update), the loss plus
 * the model's own regularisation losses, and the gradients of `variables` — the one
 * implementation of a training step's computation. Applies nothing.
 */
export function stepGradients(
  model: tfl.LayersModel,
  variables: tf.Variable[],
  xs: tf.Tensor,
  ys: tf.Tensor1D,
  options: StepGradientsOptions,
): StepGradients {
  const scale = options.scale ?? 1;
  const weightDecay = options.weightDecay ?? 0;
  return tf.tidy(() => {
    let kept: tf.Tensor1D | null = null;
    const result = lowMemoryVariableGrads(() => {
      const logits = model.apply(xs, { training: true }) as tf.Tensor2D;
      const loss = options.loss(logits, ys);
      kept = tf.keep(batchStats(loss, logits, ys));
      const extra = model.calculateLosses();
      const total = extra.length === 0 ? loss : tf.addN([loss, ...extra]);
      return scale === 1 ? total : (tf.mul(total, scale) as tf.Scalar);
    }, variables);
    const grads =
      weightDecay === 0
        ? result.grads
        : Object.fromEntries(
            variables.map((v) => [v.name, tf.add(result.grads[v.name]!, tf.mul(v, weightDecay))]),
          );
    return { stats: kept! as tf.Tensor1D, grads };
  });
}
