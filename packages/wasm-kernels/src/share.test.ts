import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers } from './__tests__/helpers.js';
import { registerWasmTrainingKernels } from './index.js';

describe('Identity and same-dtype Cast share the buffer on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmTrainingKernels();
  });

  it('a clone holds no second buffer and outlives its source', () => {
    const before = backendBuffers();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
    expect(backendBuffers()).toBe(before + 1);
    expect(y.shape).toEqual([2, 3]);
    x.dispose();
    // The buffer is freed only when its last tensor goes.
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
    expect(backendBuffers()).toBe(before);
  });

  it.each(['float32', 'int32', 'bool'] as const)('cast %s to itself shares', (dtype) => {
    const before = backendBuffers();
    const x = tf.tensor1d([0, 1, 1, 0], dtype);
    const y = tf.cast(x, dtype);
    expect(backendBuffers()).toBe(before + 1);
    expect(y.dtype).toBe(dtype);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([0, 1, 1, 0]);
    y.dispose();
    expect(backendBuffers()).toBe(before);
  });

  it('casts between dtypes convert; to bool is x != 0 as on cpu', () => {
    const x = tf.tensor1d([1.7, -2.2, 0, 256, 0.25, NaN]);
    const i = tf.cast(x, 'int32');
    const b = tf.cast(x, 'bool');
    const ib = tf.cast(tf.tensor1d([3, -1, 0, 512], 'int32'), 'bool');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2, 0, 256, 0, 0]);
    expect(b.dtype).toBe('bool');
    expect(Array.from(b.dataSync())).toEqual([1, 1, 0, 1, 1, 1]);
    expect(Array.from(ib.dataSync())).toEqual([1, 1, 0, 1]);
    tf.dispose([x, i, b, ib]);
  });

  it('gradients through saved clones are unchanged, and the tape frees every buffer', () => {
    const before = backendBuffers();
    const x = tf.tensor2d([0.5, -1, 2, 3], [2, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.square(t))))(x);
    // d/dt relu(t) * t^2 = 3 t^2 for t > 0, 0 otherwise.
    expect(Array.from(g.dataSync())).toEqual([0.75, 0, 12, 27]);
    tf.dispose([x, g]);
    expect(backendBuffers()).toBe(before);
  });
});
