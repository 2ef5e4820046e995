import type * as tf from '@tensorflow/tfjs-core';

/** One batch: images (any shape the model takes) and int32 class indices [batch]. */
export interface Batch {
  xs: tf.Tensor;
  ys: tf.Tensor1D;
}

/**
 * What the trainer reads data from. `epoch(e)` (e from 0) yields the batches of epoch e; for
 * deterministic and resumable runs its order and augmentation must depend only on e (and the
 * source's own seed). The trainer disposes every `xs`/`ys` it receives.
 * `numExamples` and `batchesPerEpoch` are optional; they drive progress, ETA and per-step schedules.
 */
export interface BatchSource {
  epoch(e: number): AsyncIterable<Batch> | Iterable<Batch>;
  numExamples?: number;
  batchesPerEpoch?: number;
}

export interface Metrics {
  loss: number;
  /** Fraction 0..1. */
  top1: number;
  /** Fraction 0..1. */
  top5: number;
  examples: number;
}

/** One line of the history (and of the JSON-lines log). */
export interface EpochRecord {
  /** 1-based number of the completed epoch. */
  epoch: number;
  /** Learning rate at the epoch's first step. */
  lr: number;
  /** Running mean over the epoch's training steps (model changing as it goes). */
  train: Metrics;
  test: Metrics | null;
  /** Wall seconds of the training part of the epoch. */
  seconds: number;
  imagesPerSecond: number;
}

/** `{ name, tensor }` as tfjs optimizers' `getWeights`/`setWeights` use (not exported by tfjs-core). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
