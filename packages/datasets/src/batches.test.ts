import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatches } from './batches.js';
import { toTfDataset } from './fit-dataset.js';
import { NORMALIZATION } from './normalization.js';
import type { ImageDataset } from './types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** n images; image i has every pixel = i (mod 256) and label i % 10. */
function tinyDataset(n: number, name = 'cifar10'): ImageDataset {
  const images = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images.fill(i % 256, i * 3072, (i + 1) * 3072);
    labels[i] = i % 10;
  }
  return {
    images,
    labels,
    count: n,
    height: 32,
    width: 32,
    classNames: 'abcdefghij'.split(''),
    name,
    split: 'train',
  };
}

async function collect(it: AsyncIterableIterator<{ xs: tf.Tensor; ys: tf.Tensor }>) {
  const out: { xs: Float32Array; ys: Int32Array; shape: number[] }[] = [];
  for await (const { xs, ys } of it) {
    out.push({
      xs: xs.dataSync() as Float32Array,
      ys: ys.dataSync() as Int32Array,
      shape: xs.shape,
    });
    expect(xs.dtype).toBe('float32');
    expect(ys.dtype).toBe('int32');
    xs.dispose();
    ys.dispose();
  }
  return out;
}

describe('createBatches', () => {
  it('covers every example once per epoch with the right shapes and labels', async () => {
    const ds = tinyDataset(70);
    const s = createBatches(ds, { batchSize: 32, seed: 3, normalize: 'unit' });
    expect(s.batchesPerEpoch).toBe(3);
    expect(s.numExamples).toBe(70);
    const batches = await collect(s.epoch(0));
    expect(batches.map((b) => b.shape)).toEqual([
      [32, 32, 32, 3],
      [32, 32, 32, 3],
      [6, 32, 32, 3],
    ]);
    const seen: number[] = [];
    for (const b of batches) {
      for (let k = 0; k < b.ys.length; k++) {
        const i = Math.round(b.xs[k * 3072]! * 255); // pixel value identifies the image
        expect(b.ys[k]).toBe(i % 10);
        seen.push(i);
      }
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 70 }, (_, i) => i));
  });

  it('dropRemainder drops the short batch; shuffle false keeps order', async () => {
    const s = createBatches(tinyDataset(70), {
      batchSize: 32,
      dropRemainder: true,
      shuffle: false,
    });
    expect(s.batchesPerEpoch).toBe(2);
    expect(Array.from(s.order(5).slice(0, 5))).toEqual([0, 1, 2, 3, 4]);
    const b = await collect(s.epoch(0));
    expect(b.length).toBe(2);
  });

  it('depends only on (seed, epoch): a resumed stream sees the same batches', async () => {
    const ds = tinyDataset(100);
    const opts = { batchSize: 16, seed: 42, augment: 'crop-flip' as const };
    const a = createBatches(ds, opts);
    const b = createBatches(ds, opts);
    const fullA = await collect(a.epoch(3));
    const resumed = await collect(b.epoch(3, { startBatch: 4 }));
    expect(resumed.length).toBe(fullA.length - 4);
    for (let k = 0; k < resumed.length; k++) {
      expect(Array.from(resumed[k]!.xs)).toEqual(Array.from(fullA[k + 4]!.xs));
      expect(Array.from(resumed[k]!.ys)).toEqual(Array.from(fullA[k + 4]!.ys));
    }
    expect(Array.from(a.order(3))).toEqual(Array.from(b.order(3)));
    expect(Array.from(a.order(3))).not.toEqual(Array.from(a.order(4)));
    const c = createBatches(ds, { ...opts, seed: 43 });
    expect(Array.from(c.order(3))).not.toEqual(Array.from(a.order(3)));
  });

  it('normalizes with the dataset constants by default', () => {
    const s = createBatches(tinyDataset(4), { batchSize: 4, shuffle: false });
    const { xs } = s.hostBatch(0, 0);
    const { mean, std } = NORMALIZATION.cifar10;
    // image 1, pixel 0, channel 2: value 1
    expect(xs[3072 + 2]).toBeCloseTo((1 / 255 - mean[2]) / std[2], 5);
    expect(s.normalization).toBe(NORMALIZATION.cifar10);
  });

  it('random-resized-crop to 64 gives 64×64 batches', async () => {
    const s = createBatches(tinyDataset(8), {
      batchSize: 4,
      augment: { kind: 'random-resized-crop', size: 64 },
    });
    expect(s.outputShape).toEqual([64, 64, 3]);
    const b = await collect(s.epoch(0));
    expect(b[0]!.shape).toEqual([4, 64, 64, 3]);
  });

  it('leaks no tensors, also when the consumer stops early', async () => {
    const s = createBatches(tinyDataset(64), { batchSize: 8, augment: 'crop-flip', prefetch: 3 });
    const before = tf.memory().numTensors;
    await collect(s.epoch(0));
    expect(tf.memory().numTensors).toBe(before);
    for await (const { xs, ys } of s.epoch(1)) {
      xs.dispose();
      ys.dispose();
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options naming them', () => {
    const ds = tinyDataset(4);
    expect(() => createBatches(ds, { batchSize: 0 })).toThrow(
      /createBatches: batchSize: expected a positive integer, received 0/,
    );
    expect(() => createBatches(ds, { batchSize: 8, dropRemainder: true })).toThrow(/no batch/);
    expect(() => createBatches(tinyDataset(4, 'mystery'), { batchSize: 2 })).toThrow(
      /normalize \(from the dataset name\): expected one of .*, received "mystery"/,
    );
    const s = createBatches(ds, { batchSize: 2 });
    expect(() => s.epoch(0, { startBatch: 2 }).next()).toThrow(/startBatch/);
  });
});

describe('toTfDataset', () => {
  it('yields one epoch per iterator() call, with one-hot labels when asked', async () => {
    const s = createBatches(tinyDataset(20), { batchSize: 8, seed: 1 });
    const d = toTfDataset(s, { labels: 'one-hot', initialEpoch: 2 });
    expect(d.size).toBe(3);
    const before = tf.memory().numTensors;
    const it = await d.iterator();
    const first = await it.next();
    expect(first.done).toBe(false);
    const { xs, ys } = first.value!;
    expect(ys.shape).toEqual([8, 10]);
    expect(ys.dtype).toBe('float32');
    const labels = s.hostBatch(2, 0).ys;
    const hot = (await ys.array()) as number[][];
    expect(hot.map((r) => r.indexOf(1))).toEqual(Array.from(labels));
    tf.dispose([xs, ys]);
    let n = 1;
    for (let r = await it.next(); r.done !== true; r = await it.next()) {
      tf.dispose([r.value.xs, r.value.ys]);
      n++;
    }
    expect(n).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });
});
