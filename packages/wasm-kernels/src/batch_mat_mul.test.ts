import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, maxRelativeError, onBackend, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels } from './index.js';

const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
  { a: [7, 5], b: [5, 3], ta: false, tb: false },
  { a: [5, 7], b: [5, 3], ta: true, tb: false },
  { a: [7, 5], b: [3, 5], ta: false, tb: true },
  { a: [5, 7], b: [3, 5], ta: true, tb: true },
  { a: [1, 5, 7], b: [1, 3, 5], ta: true, tb: true },
  { a: [1, 5, 7], b: [5, 3], ta: true, tb: false },
  { a: [4, 5, 7], b: [4, 5, 3], ta: true, tb: false },
  { a: [64, 1], b: [64, 10], ta: true, tb: false },
];

function product(c: (typeof cases)[number]): { shape: number[]; values: Float32Array } {
  return tf.tidy(() => {
    const a = tf.tensor(seeded(tf.util.sizeFromShape(c.a), 31), c.a);
    const b = tf.tensor(seeded(tf.util.sizeFromShape(c.b), 32), c.b);
    const y = tf.matMul(a, b, c.ta, c.tb);
    return { shape: y.shape, values: y.dataSync() as Float32Array };
  });
}

describe('BatchMatMul with transposes on wasm matches the cpu backend', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => product(c));
    const got = await onBackend('wasm', () => product(c));
    expect(got.shape).toEqual(ref.shape);
    expect(maxRelativeError(got.values, ref.values)).toBeLessThan(1e-5);
    const buffers = backendBuffers();
    product(c);
    expect(backendBuffers()).toBe(buffers);
  });
});
