// The embedded shapes dataset, generated in the page by `@sevar/datasets`, and the batch
// sources the modules train on: every module sees the same batches in the same order.
import * as tf from '@tensorflow/tfjs-core';
import { createBatches, loadEmbedded } from '@sevar/datasets';
import type { BatchStream, ImageDataset } from '@sevar/datasets';
import type { Batch, BatchSource } from '@sevar/trainer';
import type { Settings } from './settings.js';

export interface PlaygroundData {
  /** Shuffled, horizontally flipped, normalized training batches (whole batches only). */
  train: BatchStream;
  /** The first `settings.test` test images, in order, 100 a batch. */
  test: BatchStream;
  /** The same test images one at a time, normalized: the gate view's input. */
  single: BatchStream;
  testSet: ImageDataset;
  classNames: readonly string[];
}

/** The last training images generated, kept for the next run with the same count. */
let trainSet: { count: number; images: Promise<ImageDataset> } | null = null;

/** Generates the images and prepares the batches. */
export async function loadData(s: Settings): Promise<PlaygroundData> {
  if (trainSet?.count !== s.train) {
    trainSet = { count: s.train, images: loadEmbedded({ split: 'train', count: s.train }) };
  }
  const [trainImages, testSet] = await Promise.all([
    trainSet.images,
    loadEmbedded({ split: 'test', count: s.test }),
  ]);
  return {
    train: createBatches(trainImages, {
      batchSize: s.batch,
      augment: 'flip',
      seed: s.seed,
      dropRemainder: true,
    }),
    test: createBatches(testSet, { batchSize: 100, shuffle: false }),
    single: createBatches(testSet, { batchSize: 1, shuffle: false }),
    testSet,
    classNames: testSet.classNames,
  };
}

function toBatch(stream: BatchStream, epoch: number, index: number): Batch {
  const host = stream.hostBatch(epoch, index);
  const [h, w, c] = stream.outputShape;
  return {
    xs: tf.tensor4d(host.xs, [host.size, h, w, c]),
    ys: tf.tensor1d(host.ys, 'int32'),
  };
}

/** Where a module is in the training stream: continues across chunks, stops and resumes. */
export class Cursor {
  epoch = 0;
  batch = 0;
  /** Steps taken. */
  steps = 0;

  /**
   * The next `steps` batches as a one-epoch source for `train()`; it ends early, after at least
   * one batch, once `stop()` returns true. Tensors are made only as batches are taken.
   */
  chunk(stream: BatchStream, steps: number, stop: () => boolean): BatchSource {
    return {
      numExamples: steps * stream.batchSize,
      batchesPerEpoch: steps,
      epoch: () => this.take(stream, steps, stop),
    };
  }

  private *take(stream: BatchStream, steps: number, stop: () => boolean): Generator<Batch> {
    for (let k = 0; k < steps; k++) {
      if (k > 0 && stop()) return;
      const batch = toBatch(stream, this.epoch, this.batch);
      this.steps++;
      if (++this.batch === stream.batchesPerEpoch) {
        this.batch = 0;
        this.epoch++;
      }
      yield batch;
    }
  }
}

/** Test image `index`, normalized, as a `[1, H, W, 3]` tensor (the caller disposes it). */
export function testImage(data: PlaygroundData, index: number): tf.Tensor4D {
  const host = data.single.hostBatch(0, index);
  const [h, w, c] = data.single.outputShape;
  return tf.tensor4d(host.xs, [1, h, w, c]);
}
