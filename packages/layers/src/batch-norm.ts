import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Weights of one batch norm inside a module (created by `AttentionLayer.addBatchNorm`). */
export interface BatchNormWeights {
  gamma: tfl.LayerVariable;
  beta: tfl.LayerVariable;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/** PyTorch's defaults, which the SPEC's modules follow. */
export const BATCH_NORM_EPSILON = 1e-5;
export const BATCH_NORM_MOMENTUM = 0.1;

/**
 * Batch norm over the last axis of `x` (statistics over every other axis). Training: normalises
 * with the batch mean and biased variance, and moves the statistics as PyTorch does:
 * `mean ← (1 − 0.1)·mean + 0.1·batch mean`, `var ← (1 − 0.1)·var + 0.1·unbiased batch var`.
 * Inference: normalises with the moving statistics.
 */
export function applyBatchNorm<T extends tf.Tensor>(
  bn: BatchNormWeights,
  x: T,
  training: boolean,
): T {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const gamma = bn.gamma.read();
  const beta = bn.beta.read();
  if (!training) {
    return normalize(x, bn.movingMean.read(), bn.movingVariance.read(), gamma, beta);
  }
  const { mean, variance } = tf.moments(x, axes);
  const count = x.size / x.shape[x.rank - 1]!;
  updateMovingStatistics(bn, mean, variance, count);
  return normalize(x, mean, variance, gamma, beta);
}

function normalize<T extends tf.Tensor>(
  x: T,
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
): T {
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)));
  return tf.add(tf.mul(tf.sub(x, mean), scale), beta) as T;
}

function updateMovingStatistics(
  bn: BatchNormWeights,
  mean: tf.Tensor,
  variance: tf.Tensor,
  count: number,
): void {
  tf.tidy(() => {
    // Writing a variable records nothing on the gradient tape: the update takes no gradient.
    const batchMean = mean;
    const unbiased = tf.mul(variance, count > 1 ? count / (count - 1) : 1);
    const keep = 1 - BATCH_NORM_MOMENTUM;
    bn.movingMean.write(
      tf.add(tf.mul(bn.movingMean.read(), keep), tf.mul(batchMean, BATCH_NORM_MOMENTUM)),
    );
    bn.movingVariance.write(
      tf.add(tf.mul(bn.movingVariance.read(), keep), tf.mul(unbiased, BATCH_NORM_MOMENTUM)),
    );
  });
}
