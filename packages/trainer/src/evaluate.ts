import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { outOfMemory } from './backend.js';
import { EmptyDataError, isOutOfMemory } from './io-errors.js';
import { type LossFn, sparseSoftmaxCrossEntropy } from './loss.js';
import { addToSums, batchStats as stepStats, emptySums, toMetrics } from './step.js';
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

/** Batches whose statistics are read from the backend in one transfer (one wait on a GPU). */
const EVAL_READ_EVERY = 16;

/** `evaluate`, naming the source as `subject` (`'train: data.test'`) when it holds no batch. */
export async function evaluateSource(
  model: tfl.LayersModel,
  source: BatchSource,
  loss: LossFn,
  subject: string,
): Promise<Metrics> {
  const sums = emptySums();
  let pending: { stats: tf.Tensor1D; examples: number }[] = [];
  const read = async () => {
    const batches = pending;
    pending = [];
    const all = tf.stack(batches.map((b) => b.stats));
    tf.dispose(batches.map((b) => b.stats));
    try {
      const flat = await all.data();
      batches.forEach((b, i) => addToSums(sums, flat.subarray(3 * i, 3 * i + 3), b.examples));
    } catch (error) {
      if (isOutOfMemory(error)) throw outOfMemory(batches[0]!.examples, error, 'evaluation');
      throw error;
    } finally {
      all.dispose();
    }
  };
  try {
    for await (const { xs, ys } of source.epoch(0)) {
      try {
        pending.push({ stats: batchStats(model, xs, ys, loss), examples: ys.shape[0] });
      } catch (error) {
        if (isOutOfMemory(error)) throw outOfMemory(ys.shape[0], error, 'evaluation');
        throw error;
      } finally {
        tf.dispose([xs, ys]);
      }
      if (pending.length >= EVAL_READ_EVERY) await read();
    }
    if (pending.length > 0) await read();
  } finally {
    tf.dispose(pending.map((b) => b.stats));
  }
  if (sums.examples === 0) throw new EmptyDataError(subject, 1);
  return toMetrics(sums);
}

/** [loss sum, top-1 hits, top-5 hits] of one batch, in inference mode, left on the backend. */
function batchStats(
  model: tfl.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor1D,
  loss: LossFn,
): tf.Tensor1D {
  return tf.tidy(() => {
    const logits = model.apply(xs, { training: false }) as tf.Tensor2D;
    return stepStats(loss(logits, ys), logits, ys);
  });
}
