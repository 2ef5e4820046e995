import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { maxRelativeError, seeded } from './__tests__/helpers.js';
import {
  cpuTrainingKernelNames,
  registerCpuTrainingKernels,
  unregisterCpuTrainingKernels,
} from './index.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
const cases: Array<{
  x: [number, number, number, number];
  k: number;
  co: number;
  s: number;
  pad: Pad;
}> = [
  { x: [2, 9, 7, 3], k: 3, co: 4, s: 1, pad: 'same' },
  { x: [1, 10, 11, 2], k: 3, co: 5, s: 2, pad: 'valid' },
  { x: [3, 12, 9, 1], k: 7, co: 2, s: 3, pad: 'same' },
  { x: [2, 8, 9, 4], k: 1, co: 3, s: 2, pad: 'valid' },
  {
    x: [2, 9, 8, 2],
    k: 3,
    co: 3,
    s: 2,
    pad: [
      [0, 0],
      [4, 1],
      [0, 3],
      [0, 0],
    ],
  },
];

function grads(c: (typeof cases)[number]): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const x = tf.tensor4d(seeded(tf.util.sizeFromShape(c.x), 1), c.x);
    const f = tf.tensor4d(seeded(c.k * c.k * c.x[3] * c.co, 2), [c.k, c.k, c.x[3], c.co]);
    const r = tf.tensor(
      seeded(tf.conv2d(x, f, c.s, c.pad).size, 3),
      tf.conv2d(x, f, c.s, c.pad).shape,
    );
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)),
    )([x, f]);
    return [dx!.dataSync() as Float32Array, dw!.dataSync() as Float32Array];
  });
}

describe('registerCpuTrainingKernels matches the stock cpu kernels', () => {
  afterAll(() => unregisterCpuTrainingKernels());

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    await tf.setBackend('cpu');
    unregisterCpuTrainingKernels();
    const stockFilter = tf.getKernel('Conv2DBackpropFilter', 'cpu');
    const [refX, refW] = grads(c);
    expect(registerCpuTrainingKernels()).toEqual([...cpuTrainingKernelNames]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).not.toBe(stockFilter);
    const before = tf.memory().numTensors;
    const [gotX, gotW] = grads(c);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelativeError(gotX, refX)).toBeLessThan(1e-4);
    expect(maxRelativeError(gotW, refW)).toBeLessThan(1e-4);
  });
});
