import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { outOfMemory } from './backend.js';
import { EmptyDataError, isOutOfMemory } from './io-errors.js';
import { type LossFn, sparseSoftmaxCrossEntropy } from './loss.js';
import { addToSums, batchStats, emptySums, toMetrics } from './step.js';
import type { BatchSource, Metrics } from './types.js';

/**
 * Loss, top-1 and top-5 of `model` on the batches of `source.epoch(0)` with BN (and dropout) in
 * inference mode. Disposes the batches. A source without batches throws `EmptyDataError`;
 * a backend out of memory, `BackendOutOfMemoryError`.
 */
export async function evaluate(
  model: tfl.LayersModel,
  source: BatchSource,
  loss: LossFn = (logits, labels) => sparseSoftmaxCrossEntropy(logits, labels),
): Promise<Metrics> {
  return evaluateSource(model, source, loss, 'evaluate: source');
}

/** `evaluate`, naming the source as `subject` (`'train: data.test'`) when it holds no batch. */
export async function evaluateSource(
  model: tfl.LayersModel,
  source: BatchSource,
  loss: LossFn,
  subject: string,
): Promise<Metrics> {
  const sums = emptySums();
  for await (const { xs, ys } of source.epoch(0)) {
    try {
      addToSums(sums, await batchValues(model, xs, ys, loss), ys.shape[0]);
    } catch (error) {
      if (isOutOfMemory(error)) throw outOfMemory(ys.shape[0], error, 'evaluation');
      throw error;
    } finally {
      tf.dispose([xs, ys]);
    }
  }
  if (sums.examples === 0) throw new EmptyDataError(subject, 1);
  return toMetrics(sums);
}

/** [loss sum, top-1 hits, top-5 hits] of one batch, in inference mode. */
async function batchValues(
  model: tfl.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor1D,
  loss: LossFn,
): Promise<ArrayLike<number>> {
  const stats = tf.tidy(() => {
    const logits = model.apply(xs, { training: false }) as tf.Tensor2D;
    return batchStats(loss(logits, ys), logits, ys);
  });
  try {
    return await stats.data();
  } finally {
    stats.dispose();
  }
}
