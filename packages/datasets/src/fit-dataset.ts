import * as tf from '@tensorflow/tfjs-core';
import type { BatchStream } from './batches.js';

export interface TfDatasetOptions {
  /** Epoch number of the first `iterator()` call; pass the same `initialEpoch` as to `fitDataset`. */
  initialEpoch?: number;
  /** `'int'` (int32 `[N]`, for sparse categorical losses) or `'one-hot'` (float32 `[N, classes]`). */
  labels?: 'int' | 'one-hot';
}

/** The part of `tf.data.Dataset` that `LayersModel.fitDataset` / `evaluateDataset` use. */
export interface TfDatasetLike<T> {
  readonly size: number;
  iterator(): Promise<{ next(): Promise<IteratorResult<T>> }>;
}

/**
 * Wraps a {@link BatchStream} as a `tf.data.Dataset`-shaped object for `model.fitDataset`
 * without depending on `@tensorflow/tfjs-data`: tfjs-layers only calls `iterator()` (once per
 * epoch) and reads `size`. Each `iterator()` call yields the next epoch's batches; do not pass
 * `batchesPerEpoch` to `fitDataset`. `fitDataset` disposes the tensors it receives.
 */
export function toTfDataset(
  stream: BatchStream,
  options: TfDatasetOptions = {},
): TfDatasetLike<{ xs: tf.Tensor; ys: tf.Tensor }> {
  let epoch = options.initialEpoch ?? 0;
  const oneHot = options.labels === 'one-hot';
  return {
    size: stream.batchesPerEpoch,
    async iterator() {
      const it = stream.epoch(epoch++);
      return {
        async next(): Promise<IteratorResult<{ xs: tf.Tensor; ys: tf.Tensor }>> {
          const r = await it.next();
          if (r.done === true) return { done: true, value: undefined };
          if (!oneHot) return { done: false, value: r.value };
          const { xs, ys } = r.value;
          const hot = tf.tidy(() => tf.cast(tf.oneHot(ys, stream.numClasses), 'float32'));
          ys.dispose();
          return { done: false, value: { xs, ys: hot } };
        },
      };
    },
  };
}
