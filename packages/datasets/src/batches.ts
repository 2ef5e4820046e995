import * as tf from '@tensorflow/tfjs-core';
import { Rng, deriveSeed, shuffleInPlace } from '@sevar/core';
import { augmentInto, augmentOutputSize, pixelAffine, resolveAugment } from './augment.js';
import type { AugmentOption, AugmentSpec } from './augment.js';
import { DatasetOptionError } from './errors.js';
import { resolveNormalization } from './normalization.js';
import type { Normalization, NormalizeOption } from './normalization.js';
import type { ImageDataset } from './types.js';

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order every epoch; default true. */
  shuffle?: boolean;
  /** Seed of the order and the augmentation; default 0. */
  seed?: number;
  /** Default `'none'`. */
  augment?: AugmentOption;
  /** Default `'dataset'`: the SPEC constants of the dataset's `name`. */
  normalize?: NormalizeOption;
  /** Drop the last, smaller batch of an epoch; default false. */
  dropRemainder?: boolean;
  /** Batches prepared ahead of the consumer; default 2. */
  prefetch?: number;
}

/** One batch: normalized float32 NHWC images and int32 class labels. The consumer disposes both. */
export interface Batch {
  xs: tf.Tensor4D;
  ys: tf.Tensor1D;
}

/** A batch on the host, before it becomes tensors. */
export interface HostBatch {
  xs: Float32Array;
  ys: Int32Array;
  size: number;
}

export interface BatchStream {
  readonly numExamples: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  readonly numClasses: number;
  /** `[height, width, 3]` of `xs` rows. */
  readonly outputShape: readonly [number, number, 3];
  readonly augment: AugmentSpec;
  readonly normalization: Normalization;
  /**
   * The batches of epoch `e`. Order and augmentation depend only on (seed, e, batch index),
   * so a run resumed at epoch `e` (and `startBatch`) sees exactly the same batches.
   */
  epoch(e: number, options?: { startBatch?: number }): AsyncIterableIterator<Batch>;
  /** Example order of epoch `e` (identity when not shuffling). */
  order(e: number): Uint32Array;
  /** Computes batch `b` of epoch `e` on the host without making tensors. */
  hostBatch(e: number, b: number): HostBatch;
}

function checkDataset(ds: ImageDataset): void {
  const expected = ds.count * ds.height * ds.width * 3;
  if (ds.count <= 0 || ds.images.length !== expected || ds.labels.length !== ds.count) {
    throw new DatasetOptionError(
      `createBatches: dataset '${ds.name}' (${ds.split}) expected count > 0, ` +
        `images.length = count*h*w*3 = ${expected} and labels.length = ${ds.count}; received ` +
        `count ${ds.count}, images.length ${ds.images.length}, labels.length ${ds.labels.length}`,
    );
  }
}

/** The validated options of a stream and what follows from them. */
interface BatchPlan {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  prefetch: number;
  spec: AugmentSpec;
  /** Output height and width. */
  outH: number;
  outW: number;
  normalization: Normalization;
  batchesPerEpoch: number;
}

function planBatches(dataset: ImageDataset, options: BatchOptions): BatchPlan {
  checkDataset(dataset);
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new DatasetOptionError({
      subject: 'createBatches: batchSize',
      expected: 'a positive integer',
      received: batchSize,
    });
  }
  const shuffle = options.shuffle ?? true;
  const seed = options.seed ?? 0;
  const prefetch = options.prefetch ?? 2;
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new DatasetOptionError({
      subject: 'createBatches: prefetch',
      expected: 'an integer >= 0',
      received: prefetch,
    });
  }
  const n = dataset.count;
  const spec = resolveAugment(options.augment ?? 'none', dataset.name);
  const [outH, outW] = augmentOutputSize(spec, dataset.height, dataset.width);
  const normalization = resolveNormalization(options.normalize ?? 'dataset', dataset.name);
  const dropRemainder = options.dropRemainder ?? false;
  const batchesPerEpoch = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  if (batchesPerEpoch === 0) {
    throw new DatasetOptionError(
      `createBatches: batchSize ${batchSize} with dropRemainder leaves no batch of the ` +
        `${n} examples of '${dataset.name}' (${dataset.split})`,
    );
  }
  return { batchSize, shuffle, seed, prefetch, spec, outH, outW, normalization, batchesPerEpoch };
}

function checkIndex(name: string, v: number, hi: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= hi) {
    throw new DatasetOptionError({
      subject: `createBatches: ${name}`,
      expected: `an integer in [0, ${hi})`,
      received: v,
    });
  }
}

/**
 * Yields batches `from` to `to - 1` as tensors. Host batches are prepared `prefetch` ahead on
 * later event-loop turns, overlapping the consumer's async work.
 */
async function* prefetchBatches(
  hostBatch: (b: number) => HostBatch,
  from: number,
  to: number,
  prefetch: number,
  outH: number,
  outW: number,
): AsyncGenerator<Batch> {
  const queue: Promise<HostBatch>[] = [];
  let next = from;
  const fill = (): void => {
    while (queue.length < Math.max(prefetch, 1) && next < to) {
      const b = next++;
      const p = new Promise<HostBatch>((resolve, reject) => {
        setTimeout(() => {
          try {
            resolve(hostBatch(b));
          } catch (err) {
            reject(err);
          }
        }, 0);
      });
      p.catch(() => undefined); // surfaced when awaited; avoids unhandled rejections on early exit
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const host = await queue.shift()!;
    fill();
    yield tf.tidy(() => ({
      xs: tf.tensor4d(host.xs, [host.size, outH, outW, 3], 'float32'),
      ys: tf.tensor1d(host.ys, 'int32'),
    }));
  }
}

/**
 * Seeded, augmented, normalized batches of an in-memory dataset. Augmentation runs on typed
 * arrays (one fused pass per image); tensors are made only when a batch is yielded, inside
 * `tf.tidy`, so stopping early leaks nothing.
 */
export function createBatches(dataset: ImageDataset, options: BatchOptions): BatchStream {
  const plan = planBatches(dataset, options);
  const { batchSize, seed, spec, outH, outW, batchesPerEpoch } = plan;
  const { count: n, height: h, width: w, images, labels } = dataset;
  const aff = pixelAffine(plan.normalization);
  const imgSize = h * w * 3;
  const outSize = outH * outW * 3;

  let cachedEpoch = -1;
  let cachedOrder = new Uint32Array(0);
  const order = (e: number): Uint32Array => {
    if (e !== cachedEpoch) {
      const idx = new Uint32Array(n);
      for (let i = 0; i < n; i++) idx[i] = i;
      if (plan.shuffle) shuffleInPlace(idx, new Rng(deriveSeed(seed, e, 0x5bd1e995)));
      cachedEpoch = e;
      cachedOrder = idx;
    }
    return cachedOrder;
  };

  const hostBatch = (e: number, b: number): HostBatch => {
    checkIndex('epoch', e, 2 ** 31);
    checkIndex('batch', b, batchesPerEpoch);
    const idx = order(e);
    const start = b * batchSize;
    const size = Math.min(batchSize, n - start);
    const xs = new Float32Array(size * outSize);
    const ys = new Int32Array(size);
    const rng = new Rng(deriveSeed(seed, e, b, 1));
    for (let k = 0; k < size; k++) {
      const i = idx[start + k]!;
      ys[k] = labels[i]!;
      augmentInto(spec, rng, images, i * imgSize, h, w, xs, k * outSize, aff);
    }
    return { xs, ys, size };
  };

  // Checks arguments eagerly (a generator body would only run on the first next()).
  const epoch = (e: number, opts: { startBatch?: number } = {}): AsyncGenerator<Batch> => {
    const startBatch = opts.startBatch ?? 0;
    checkIndex('epoch', e, 2 ** 31);
    checkIndex('startBatch', startBatch, batchesPerEpoch);
    const host = (b: number): HostBatch => hostBatch(e, b);
    return prefetchBatches(host, startBatch, batchesPerEpoch, plan.prefetch, outH, outW);
  };

  return {
    numExamples: n,
    batchSize,
    batchesPerEpoch,
    numClasses: dataset.classNames.length,
    outputShape: [outH, outW, 3],
    augment: spec,
    normalization: plan.normalization,
    epoch,
    order: (e) => order(e).slice(),
    hostBatch,
  };
}
