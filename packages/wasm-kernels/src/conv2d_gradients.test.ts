import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, onBackend, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels } from './index.js';
import { setSimdKernelsEnabled } from './kernels/simd.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: [number, number];
  s: [number, number];
  pad: Pad;
}

// Kernel sizes 1/3/7 (and a non-square one), strides 1-3 (and unequal ones), every padding
// mode, non-square images, batch and channel counts of 1 and more.
const cases: Case[] = [];
const kernels: Array<[number, number]> = [
  [1, 1],
  [3, 3],
  [7, 7],
  [3, 5],
];
const strides: Array<[number, number]> = [
  [1, 1],
  [2, 2],
  [3, 3],
  [1, 2],
];
let i = 0;
for (const k of kernels) {
  for (const s of strides) {
    const explicit: Pad = [
      [0, 0],
      [i % 3, (i + 1) % 4],
      [(i + 2) % 5, i % 2],
      [0, 0],
    ];
    for (const pad of ['same', 'valid', explicit] as Pad[]) {
      cases.push({
        n: i % 3 === 0 ? 1 : 3,
        h: 9 + (i % 4),
        w: 7 + ((i * 3) % 5),
        ci: i % 4 === 1 ? 1 : 2 + (i % 3),
        co: i % 5 === 2 ? 1 : 3 + (i % 2),
        k,
        s,
        pad,
      });
      i++;
    }
  }
}
// Explicit padding larger than the kernel reach: the input gradient must crop, not pad.
cases.push({
  n: 2,
  h: 8,
  w: 9,
  ci: 2,
  co: 3,
  k: [3, 3],
  s: [2, 1],
  pad: [
    [0, 0],
    [4, 3],
    [5, 2],
    [0, 0],
  ],
});
// A stride larger than the kernel along one axis: some input-gradient phases meet no tap at
// all (their rows of dx are zero), and a kernel smaller than the stride along both.
cases.push(
  { n: 2, h: 9, w: 10, ci: 3, co: 4, k: [1, 3], s: [2, 2], pad: 'same' },
  { n: 2, h: 11, w: 8, ci: 2, co: 3, k: [2, 2], s: [3, 3], pad: 'valid' },
);

// Channel counts that reach the SIMD filter-gradient tiles (2 x 16, 1 x 16, x 4, scalar
// remainders), and one big enough that the kernel walks several row chunks.
cases.push(
  { n: 3, h: 12, w: 11, ci: 5, co: 35, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, h: 10, w: 9, ci: 16, co: 32, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 2, h: 9, w: 12, ci: 3, co: 20, k: [7, 5], s: [1, 2], pad: 'valid' },
  { n: 6, h: 16, w: 8, ci: 4, co: 48, k: [3, 3], s: [1, 1], pad: 'same' },
  {
    n: 2,
    h: 7,
    w: 8,
    ci: 7,
    co: 17,
    k: [1, 1],
    s: [2, 2],
    pad: [
      [0, 0],
      [1, 0],
      [0, 2],
      [0, 0],
    ],
  },
);

interface Grads {
  dx: Float32Array;
  dw: Float32Array;
}

function convGrads(c: Case): Grads {
  return tf.tidy(() => {
    const x = tf.tensor4d(seeded(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
    const f = tf.tensor4d(seeded(c.k[0] * c.k[1] * c.ci * c.co, 2), [c.k[0], c.k[1], c.ci, c.co]);
    const probe = tf.conv2d(x, f, c.s, c.pad);
    // A fixed random cotangent, so every dy element matters.
    const r = tf.tensor(seeded(probe.size, 3), probe.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)),
    )([x, f]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

describe('conv2d gradients on wasm match the cpu backend', () => {
  let worst = 0;
  beforeAll(() => {
    registerWasmTrainingKernels();
  });
  afterAll(() => {
    console.log(
      `conv2d dx/dW worst relative error wasm vs cpu: ${worst.toExponential(2)} over ${cases.length} cases`,
    );
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => convGrads(c));
    const got = await onBackend('wasm', () => convGrads(c));
    const ex = maxRelativeError(got.dx, ref.dx);
    const ew = maxRelativeError(got.dw, ref.dw);
    worst = Math.max(worst, ex, ew);
    expect(ex).toBeLessThan(1e-4);
    expect(ew).toBeLessThan(1e-4);
  });
});

describe('without the SIMD module, the composed filter gradient still matches', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
    setSimdKernelsEnabled(false);
  });
  afterAll(() => setSimdKernelsEnabled(true));

  it.each(
    cases
      .filter((_, k) => k % 6 === 0 || k >= cases.length - 5)
      .map((c) => [JSON.stringify(c), c] as const),
  )('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => convGrads(c));
    const got = await onBackend('wasm', () => convGrads(c));
    expect(maxRelativeError(got.dw, ref.dw)).toBeLessThan(1e-4);
  });
});
