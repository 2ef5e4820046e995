import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { onBackend, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './index.js';

// Reductions as batch norm's moments take them (N, H, W of an NHWC tensor, keepDims), and others.
const cases: Array<{ shape: number[]; axis: number | number[]; keepDims: boolean }> = [
  { shape: [4, 5, 6, 8], axis: [0, 1, 2], keepDims: true },
  { shape: [4, 5, 6, 8], axis: [0, 1, 2], keepDims: false },
  { shape: [3, 7], axis: 1, keepDims: false },
  { shape: [3, 7], axis: -2, keepDims: true },
  { shape: [2, 3, 4], axis: [0, 2], keepDims: false },
  { shape: [6], axis: 0, keepDims: false },
];

/** dx of sum and of mean, each weighted by a random dy so every position differs. */
function gradients(c: (typeof cases)[number]): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor(seeded(tf.util.sizeFromShape(c.shape), 71), c.shape);
    return [tf.sum, tf.mean].map((reduce) => {
      const f = (a: tf.Tensor) => {
        const r = reduce(a, c.axis, c.keepDims);
        return tf.sum(tf.mul(r, tf.tensor(seeded(r.size, 72), r.shape)));
      };
      return Array.from(tf.grad(f)(x).dataSync());
    });
  });
}

describe('the Sum and Mean gradients registered with the wasm kernels', () => {
  afterAll(() => registerWasmTrainingKernels());

  it.each(['cpu', 'wasm'] as const)(
    'give the stock gradients bit for bit on %s, and unregistering restores them',
    async (backend) => {
      unregisterWasmTrainingKernels();
      const stockSum = tf.getGradient(tf.Sum);
      const stock = await onBackend(backend, () => cases.map(gradients));
      registerWasmTrainingKernels();
      expect(tf.getGradient(tf.Sum)).not.toBe(stockSum);
      const ours = await onBackend(backend, () => cases.map(gradients));
      expect(ours).toEqual(stock);
      const before = tf.memory().numTensors;
      await onBackend(backend, () => cases.map(gradients));
      expect(tf.memory().numTensors).toBe(before);
      unregisterWasmTrainingKernels();
      expect(tf.getGradient(tf.Sum)).toBe(stockSum);
    },
  );

  it('give an int32 gradient in the dtype and values of the stock function', async () => {
    const intGrads = () =>
      tf.tidy(() =>
        [tf.Sum, tf.Mean].map((name) => {
          const x = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
          const dy = tf.tensor([7, -9], [2], 'int32');
          const grads = tf.getGradient(name)!.gradFunc(dy, [x], { axis: [1], keepDims: false });
          const dx = grads['x']!();
          return { dtype: dx.dtype, values: Array.from(dx.dataSync()) };
        }),
      );
    unregisterWasmTrainingKernels();
    const stock = await onBackend('cpu', intGrads);
    registerWasmTrainingKernels();
    expect(await onBackend('cpu', intGrads)).toEqual(stock);
  });
});
