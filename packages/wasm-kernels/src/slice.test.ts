import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, onBackend, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels } from './index.js';

type Dtype = 'float32' | 'int32' | 'bool';
const cases: Array<{ shape: number[]; begin: number[]; size: number[]; dtype: Dtype }> = [
  // Cropping a strided convolution's padded input gradient: whole channels, inner rows.
  { shape: [3, 6, 6, 4], begin: [0, 1, 1, 0], size: [3, 4, 4, 4], dtype: 'float32' },
  // A run of one element (a channel slice), and -1 sizes (to the end).
  { shape: [2, 3, 5], begin: [1, 0, 2], size: [-1, 2, 1], dtype: 'float32' },
  { shape: [4, 7], begin: [1, 3], size: [2, -1], dtype: 'int32' },
  { shape: [2, 3, 2, 2, 3], begin: [0, 1, 0, 1, 0], size: [2, 2, 2, 1, 3], dtype: 'bool' },
  // Whole inner axes merge with a partial outer one into a single run per outer index.
  { shape: [5, 2, 3], begin: [1, 0, 0], size: [3, 2, 3], dtype: 'float32' },
  { shape: [3, 4, 2], begin: [1, 1, 0], size: [2, 2, 2], dtype: 'int32' },
  { shape: [3, 4], begin: [1, 1], size: [0, 2], dtype: 'float32' },
  // Rank 1 and contiguous slices stay with the stock kernel.
  { shape: [9], begin: [2], size: [5], dtype: 'float32' },
  { shape: [4, 3], begin: [1, 0], size: [2, 3], dtype: 'float32' },
];

function slice(c: (typeof cases)[number]): { shape: number[]; values: number[] } {
  return tf.tidy(() => {
    const raw = Array.from(seeded(tf.util.sizeFromShape(c.shape), 61));
    const values =
      c.dtype === 'float32'
        ? raw
        : raw.map((v) => (c.dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 50)));
    const y = tf.slice(tf.tensor(values, c.shape, c.dtype), c.begin, c.size);
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });
}

describe('Slice on wasm matches the cpu backend exactly', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => slice(c));
    const got = await onBackend('wasm', () => slice(c));
    expect(got).toEqual(ref);
    const buffers = backendBuffers();
    slice(c);
    expect(backendBuffers()).toBe(buffers);
  });

  it('rejects a slice past the end or before the start in the cpu backend words', async () => {
    await onBackend('wasm', () => {
      const x = tf.zeros([2, 3]);
      expect(() => tf.slice(x, [1, 1], [2, 2])).toThrow(
        /begin\[0\] \+ size\[0\] \(3\) would overflow/,
      );
      // Straight to the kernel (the op checks a negative begin itself).
      expect(() => tf.engine().runKernel('Slice', { x }, { begin: [0, -1], size: [1, 2] })).toThrow(
        /negative/,
      );
      x.dispose();
      return null;
    });
  });
});
