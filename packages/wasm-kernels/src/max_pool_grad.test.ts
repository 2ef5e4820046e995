import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, maxRelativeError, onBackend, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels } from './index.js';
import { setSimdKernelsEnabled } from './kernels/simd.js';

interface Case {
  x: [number, number, number, number];
  size: [number, number];
  s: [number, number];
  pad: 'same' | 'valid';
  /** Shifts the seeded values, so that whole windows are negative. */
  offset: number;
  /** Rounds values to a coarse grid, so that windows hold ties. */
  coarse: boolean;
}

const cases: Case[] = [
  { x: [2, 8, 8, 3], size: [2, 2], s: [2, 2], pad: 'valid', offset: 0, coarse: false },
  { x: [1, 9, 7, 2], size: [3, 3], s: [2, 2], pad: 'same', offset: 0, coarse: false },
  { x: [3, 10, 9, 4], size: [3, 2], s: [1, 2], pad: 'valid', offset: 0, coarse: false },
  { x: [2, 8, 8, 3], size: [2, 2], s: [2, 2], pad: 'valid', offset: -2, coarse: false },
  { x: [2, 7, 9, 5], size: [3, 3], s: [3, 3], pad: 'same', offset: -0.5, coarse: true },
  { x: [2, 8, 6, 2], size: [2, 2], s: [1, 1], pad: 'same', offset: 0, coarse: true },
];

function poolGrad(c: Case): Float32Array {
  return tf.tidy(() => {
    let v = seeded(tf.util.sizeFromShape(c.x), 21).map((e) => e + c.offset);
    if (c.coarse) v = v.map((e) => Math.round(e * 2) / 2);
    const x = tf.tensor4d(v, c.x);
    const probe = tf.maxPool(x, c.size, c.s, c.pad);
    const r = tf.tensor(seeded(probe.size, 22), probe.shape);
    const g = tf.grad((a: tf.Tensor) =>
      tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.s, c.pad), r)),
    )(x);
    return g.dataSync() as Float32Array;
  });
}

describe('MaxPoolGrad on wasm matches the cpu backend', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => poolGrad(c));
    const got = await onBackend('wasm', () => poolGrad(c));
    expect(maxRelativeError(got, ref)).toBeLessThan(1e-6);
  });

  it('routes the gradient of an all-negative window (the stock wasm kernel drops it)', async () => {
    await tf.setBackend('wasm');
    const g = tf.tidy(() => {
      const x = tf.tensor4d([-3, -1, -2, -5], [1, 2, 2, 1]);
      return tf
        .grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x)
        .dataSync();
    });
    expect(Array.from(g)).toEqual([0, 1, 0, 0]);
  });

  it('frees what it allocates', async () => {
    await tf.setBackend('wasm');
    const run = (): void => {
      tf.tidy(() => {
        poolGrad(cases[1]!);
      });
    };
    run();
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    run();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
  });
});

describe('MaxPoolGrad without the SIMD module (JS loop) matches too', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
    setSimdKernelsEnabled(false);
  });
  afterAll(() => setSimdKernelsEnabled(true));

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => poolGrad(c));
    const got = await onBackend('wasm', () => poolGrad(c));
    expect(maxRelativeError(got, ref)).toBeLessThan(1e-6);
  });
});
