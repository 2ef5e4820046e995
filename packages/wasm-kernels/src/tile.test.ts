import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, onBackend, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels } from './index.js';

const cases: Array<{ shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }> = [
  // The batch-norm gradient's pattern: a per-channel vector over the activation shape.
  { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1], dtype: 'float32' },
  { shape: [2, 3], reps: [2, 3], dtype: 'float32' },
  { shape: [2, 1, 3], reps: [1, 4, 2], dtype: 'int32' },
  { shape: [4], reps: [3], dtype: 'float32' },
  { shape: [3, 2], reps: [1, 1], dtype: 'float32' },
  { shape: [2, 2, 1, 2, 1], reps: [2, 1, 3, 1, 2], dtype: 'bool' },
  { shape: [2, 3], reps: [0, 2], dtype: 'float32' },
];

function tile(c: (typeof cases)[number]): { shape: number[]; values: number[] } {
  return tf.tidy(() => {
    const raw = Array.from(seeded(tf.util.sizeFromShape(c.shape), 51));
    const values =
      c.dtype === 'float32'
        ? raw
        : raw.map((v) => (c.dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 50)));
    const y = tf.tile(tf.tensor(values, c.shape, c.dtype), c.reps);
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });
}

describe('Tile on wasm matches the cpu backend exactly', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => tile(c));
    const got = await onBackend('wasm', () => tile(c));
    expect(got).toEqual(ref);
    const buffers = backendBuffers();
    tile(c);
    expect(backendBuffers()).toBe(buffers);
  });
});
