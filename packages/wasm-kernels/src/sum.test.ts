import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, maxRelativeError, onBackend, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels, setSimdKernelsEnabled } from './index.js';

const cases: Array<{
  mean?: boolean;
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
  dtype: 'float32' | 'int32';
}> = [
  { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: false, dtype: 'float32' },
  { shape: [4, 5, 6, 7], axis: [2, 0, 1], keepDims: true, dtype: 'float32' },
  { shape: [9, 3], axis: 0, keepDims: false, dtype: 'float32' },
  { shape: [9, 3], axis: -2, keepDims: true, dtype: 'float32' },
  { shape: [4, 5, 6], axis: [0, 1], keepDims: false, dtype: 'float32' },
  { shape: [3, 17, 9, 13], axis: [0, 1, 2], keepDims: false, dtype: 'float32' },
  // Not a leading-axes reduction, or not float32: the stock kernel's cases.
  { shape: [4, 5, 6, 7], axis: [1, 2], keepDims: false, dtype: 'float32' },
  { shape: [4, 5, 6], axis: [0, 1, 2], keepDims: false, dtype: 'float32' },
  { shape: [4, 5], axis: 0, keepDims: false, dtype: 'int32' },
  // Mean shares the leading-axes path (batch-norm moments); the rest goes to the stock kernel.
  { mean: true, shape: [5, 6, 7, 3], axis: [0, 1, 2], keepDims: true, dtype: 'float32' },
  { mean: true, shape: [9, 3], axis: 0, keepDims: false, dtype: 'float32' },
  { mean: true, shape: [5, 6, 7, 3], axis: [1, 2], keepDims: false, dtype: 'float32' },
  { mean: true, shape: [4, 5], axis: 0, keepDims: false, dtype: 'int32' },
];

function sum(c: (typeof cases)[number]): { shape: number[]; values: ArrayLike<number> } {
  return tf.tidy(() => {
    const raw = seeded(tf.util.sizeFromShape(c.shape), 41);
    const x =
      c.dtype === 'int32'
        ? tf.tensor(
            raw.map((v) => Math.round(v * 100)),
            c.shape,
            'int32',
          )
        : tf.tensor(raw, c.shape);
    const y = c.mean ? tf.mean(x, c.axis, c.keepDims) : tf.sum(x, c.axis, c.keepDims);
    return { shape: y.shape, values: y.dataSync() };
  });
}

describe('Sum and Mean on wasm match the cpu backend', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => sum(c));
    const got = await onBackend('wasm', () => sum(c));
    expect(got.shape).toEqual(ref.shape);
    expect(maxRelativeError(got.values, ref.values)).toBeLessThan(1e-6);
    // The SIMD module and the JS loop add alike (float64, row by row): the same bits.
    setSimdKernelsEnabled(false);
    const js = sum(c);
    setSimdKernelsEnabled(true);
    expect(Array.from(js.values)).toEqual(Array.from(got.values));
    const buffers = backendBuffers();
    sum(c);
    expect(backendBuffers()).toBe(buffers);
  });
});
