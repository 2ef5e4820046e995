import { BATCH_NORM_TRAINING_KERNELS } from '@sevar/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, maxRelativeError, onBackend, seeded } from './__tests__/helpers.js';
import {
  registerWasmTrainingKernels,
  setBatchNormKernelsEnabled,
  setSimdKernelsEnabled,
  TrainingKernelError,
  wasmTrainingKernelNames,
} from './index.js';

const { forward, backward } = BATCH_NORM_TRAINING_KERNELS;
const EPSILON = 1e-3;

interface Case {
  shape: number[];
  /** Added to x: a mean far from zero. */
  offset: number;
}
const cases: Case[] = [
  { shape: [6, 5, 7, 12], offset: 0 },
  // Three channels: the module's scalar tail only; rank 3.
  { shape: [9, 7, 3], offset: 0 },
  // Rank 2, a channel count that is neither, and a mean of 10.
  { shape: [50, 6], offset: 10 },
];

function inputs(c: Case) {
  const size = tf.util.sizeFromShape(c.shape);
  const ch = c.shape[c.shape.length - 1]!;
  return {
    x: seeded(size, 11).map((v) => v * 3 + c.offset),
    dy: seeded(size, 12),
    gamma: seeded(ch, 13).map((v) => v + 1.5),
    beta: seeded(ch, 14),
  };
}

/** Forward and backward in float64 from the same float32 inputs. */
function reference(c: Case): Record<string, Float64Array> {
  const { x, dy, gamma, beta } = inputs(c);
  const ch = gamma.length;
  const n = x.length / ch;
  const [mean, variance, dbeta, dgamma] = [0, 1, 2, 3].map(() => new Float64Array(ch)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  for (let i = 0; i < x.length; i++) mean[i % ch]! += x[i]! / n;
  for (let i = 0; i < x.length; i++) variance[i % ch]! += (x[i]! - mean[i % ch]!) ** 2 / n;
  const inv = variance.map((v) => 1 / Math.sqrt(v + EPSILON));
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % ch]!) * inv[i % ch]!);
  const y = xhat.map((v, i) => v * gamma[i % ch]! + beta[i % ch]!);
  for (let i = 0; i < x.length; i++) {
    dbeta[i % ch]! += dy[i]!;
    dgamma[i % ch]! += dy[i]! * xhat[i]!;
  }
  const dx = Float64Array.from(dy, (g, i) => {
    const k = i % ch;
    return ((gamma[k]! * inv[k]!) / n) * (n * g - dbeta[k]! - xhat[i]! * dgamma[k]!);
  });
  return { y, mean, variance, dx, dgamma, dbeta };
}

/** Both kernels on the active backend: outputs by name, as plain arrays. */
function run(c: Case): Record<string, Float32Array> {
  const { x, dy, gamma, beta } = inputs(c);
  const ch = gamma.length;
  const t = tf.tidy(() => {
    const xs = tf.tensor(x, c.shape);
    const g = tf.tensor1d(gamma);
    const attrs = { epsilon: EPSILON };
    const [y, mean, variance] = tf
      .engine()
      .runKernel(forward, { x: xs, gamma: g, beta: tf.tensor1d(beta) }, attrs) as tf.Tensor[];
    const grads = tf
      .engine()
      .runKernel(
        backward,
        { dy: tf.tensor(dy, c.shape), x: xs, mean: mean!, variance: variance!, gamma: g },
        attrs,
      ) as tf.Tensor[];
    return [y!, mean!, variance!, ...grads];
  });
  const [y, mean, variance, dx, dgamma, dbeta] = t.map((v) => v.dataSync() as Float32Array);
  tf.dispose(t);
  expect(mean!.length).toBe(ch);
  return { y: y!, mean: mean!, variance: variance!, dx: dx!, dgamma: dgamma!, dbeta: dbeta! };
}

describe('the batch-norm training kernels on wasm', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });
  afterAll(() => {
    setSimdKernelsEnabled(true);
    setBatchNormKernelsEnabled(true);
  });

  it.each(cases.map((c) => [c.shape.join('x'), c] as const))(
    '%s: every output within 1e-5 of float64, SIMD and JS alike to the bit, no leaks',
    (_label, c) => {
      const ref = reference(c);
      const simd = run(c);
      for (const [name, values] of Object.entries(ref)) {
        expect(maxRelativeError(simd[name]!, values), name).toBeLessThan(1e-5);
      }
      setSimdKernelsEnabled(false);
      const js = run(c);
      setSimdKernelsEnabled(true);
      for (const name of Object.keys(ref)) expect(js[name], name).toEqual(simd[name]);
      const buffers = backendBuffers();
      run(c);
      expect(backendBuffers()).toBe(buffers);
    },
  );

  it('give what the cpu backend gives for the same formulas composed of tfjs-core ops', async () => {
    const c = cases[0]!;
    const { x, dy, gamma, beta } = inputs(c);
    const composed = () =>
      tf.tidy(() => {
        const xs = tf.tensor(x, c.shape);
        const axes = [0, 1, 2];
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const m = tf.moments(a, axes);
          return tf.add(
            tf.mul(tf.sub(a, m.mean), tf.mul(g, tf.rsqrt(tf.add(m.variance, EPSILON)))),
            b,
          );
        };
        const [dx, dgamma, dbeta] = tf.grads(f)(
          [xs, tf.tensor1d(gamma), tf.tensor1d(beta)],
          tf.tensor(dy, c.shape),
        );
        return { y: f(xs, tf.tensor1d(gamma), tf.tensor1d(beta)), dx, dgamma, dbeta };
      });
    const ref = await onBackend('cpu', () => {
      const out = composed();
      const data = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v!.dataSync()]));
      tf.dispose(Object.values(out) as tf.Tensor[]);
      return data;
    });
    await tf.setBackend('wasm');
    const got = run(c);
    for (const name of ['y', 'dx', 'dgamma', 'dbeta']) {
      expect(maxRelativeError(got[name]!, ref[name]!), name).toBeLessThan(1e-5);
    }
  });

  it('name what is wrong with their inputs', () => {
    const x = tf.zeros([2, 3, 4]);
    const v = tf.ones([4]);
    const call =
      (inputs: Record<string, tf.Tensor>, epsilon: unknown = EPSILON) =>
      () =>
        tf.engine().runKernel(forward, inputs as never, { epsilon } as never);
    expect(call({ x: tf.zeros([2, 4], 'int32'), gamma: v, beta: v })).toThrow(TrainingKernelError);
    expect(call({ x, gamma: tf.ones([3]), beta: v })).toThrow(/vectors of its last dimension/);
    expect(call({ x, gamma: v, beta: v }, -1)).toThrow(/epsilon[\s\S]*a finite number/);
    const grad = () =>
      tf
        .engine()
        .runKernel(
          backward,
          { dy: tf.zeros([2, 3, 5]), x, mean: v, variance: v, gamma: v } as never,
          { epsilon: EPSILON } as never,
        );
    expect(grad).toThrow(/all of x's shape/);
    tf.dispose([x, v]);
  });

  it('come and go with setBatchNormKernelsEnabled', () => {
    expect(wasmTrainingKernelNames).toEqual(expect.arrayContaining([forward, backward]));
    setBatchNormKernelsEnabled(false);
    expect(tf.getKernel(forward, 'wasm')).toBeUndefined();
    expect(registerWasmTrainingKernels()).not.toContain(backward);
    expect(tf.getKernel(backward, 'wasm')).toBeUndefined();
    setBatchNormKernelsEnabled(true);
    expect(tf.getKernel(forward, 'wasm')).toBeDefined();
    expect(tf.getKernel(backward, 'wasm')).toBeDefined();
  });
});
