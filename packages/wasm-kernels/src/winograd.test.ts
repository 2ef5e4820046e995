import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, maxRelativeError, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels, setWinogradEnabled } from './index.js';
import {
  relaxedSimdSupported,
  setRelaxedSimdEnabled,
  setSimdKernelsEnabled,
} from './kernels/simd.js';
import { setWinogradChunkBytes } from './kernels/winograd.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  pad: Pad;
}

/** The defining sum in float64: y[b, r, q, o] = Σ x[b, r + i - top, q + j - left, c] g[i, j, c, o]. */
function referenceConv(
  x: Float32Array,
  g: Float32Array,
  c: Case,
  oh: number,
  ow: number,
  top: number,
  left: number,
): Float64Array {
  const y = new Float64Array(c.n * oh * ow * c.co);
  for (let b = 0; b < c.n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        const out = ((b * oh + r) * ow + q) * c.co;
        for (let i = 0; i < 3; i++) {
          const row = r + i - top;
          if (row < 0 || row >= c.h) continue;
          for (let j = 0; j < 3; j++) {
            const col = q + j - left;
            if (col < 0 || col >= c.w) continue;
            const xAt = ((b * c.h + row) * c.w + col) * c.ci;
            const gAt = (i * 3 + j) * c.ci * c.co;
            for (let ch = 0; ch < c.ci; ch++) {
              const xv = x[xAt + ch]!;
              const gRow = gAt + ch * c.co;
              for (let o = 0; o < c.co; o++) y[out + o]! += xv * g[gRow + o]!;
            }
          }
        }
      }
    }
  }
  return y;
}

/** dW in float64: dw[i, j, c, o] = Σ x[b, r + i - top, q + j - left, c] dy[b, r, q, o]. */
function referenceFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  c: Case,
  oh: number,
  ow: number,
  top: number,
  left: number,
): Float64Array {
  const dw = new Float64Array(9 * c.ci * c.co);
  for (let b = 0; b < c.n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        const g = ((b * oh + r) * ow + q) * c.co;
        for (let i = 0; i < 3; i++) {
          const row = r + i - top;
          if (row < 0 || row >= c.h) continue;
          for (let j = 0; j < 3; j++) {
            const col = q + j - left;
            if (col < 0 || col >= c.w) continue;
            const xAt = ((b * c.h + row) * c.w + col) * c.ci;
            for (let ch = 0; ch < c.ci; ch++) {
              const xv = x[xAt + ch]!;
              const out = ((i * 3 + j) * c.ci + ch) * c.co;
              for (let o = 0; o < c.co; o++) dw[out + o]! += xv * dy[g + o]!;
            }
          }
        }
      }
    }
  }
  return dw;
}

function padOf(c: Case): { top: number; left: number } {
  if (c.pad === 'valid') return { top: 0, left: 0 };
  if (c.pad === 'same') return { top: 1, left: 1 };
  return { top: c.pad[1][0], left: c.pad[2][0] };
}

const cases: Case[] = [
  { n: 2, h: 8, w: 8, ci: 16, co: 8, pad: 'same' },
  { n: 1, h: 7, w: 9, ci: 16, co: 12, pad: 'valid' },
  {
    n: 3,
    h: 10,
    w: 6,
    ci: 20,
    co: 4,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
  {
    n: 2,
    h: 5,
    w: 13,
    ci: 24,
    co: 16,
    pad: [
      [0, 0],
      [0, 2],
      [3, 1],
      [0, 0],
    ],
  },
  { n: 4, h: 16, w: 16, ci: 64, co: 64, pad: 'same' },
  { n: 2, h: 4, w: 4, ci: 128, co: 32, pad: 'same' },
];

function inputs(c: Case): { x: Float32Array; g: Float32Array } {
  return { x: seeded(c.n * c.h * c.w * c.ci, 11), g: seeded(9 * c.ci * c.co, 12) };
}

function convOnWasm(c: Case): { y: Float32Array; shape: number[] } {
  const { x, g } = inputs(c);
  return tf.tidy(() => {
    const y = tf.conv2d(
      tf.tensor4d(x, [c.n, c.h, c.w, c.ci]),
      tf.tensor4d(g, [3, 3, c.ci, c.co]),
      1,
      c.pad,
    );
    return { y: y.dataSync() as Float32Array, shape: y.shape };
  });
}

// Runtimes with relaxed SIMD (Node 22+) run the fused multiply-add builds of the transforms by
// default: both builds are checked there.
const relaxedModes = relaxedSimdSupported() ? [true, false] : [false];
const withModes = cases.flatMap((c) => relaxedModes.map((r) => [JSON.stringify(c), r, c] as const));

describe('Winograd F(4x4,3x3) convolution on wasm', () => {
  const errors: string[] = [];
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });
  afterEach(() => {
    setWinogradEnabled(undefined);
    setWinogradChunkBytes(undefined);
    setSimdKernelsEnabled(true);
    setRelaxedSimdEnabled(true);
  });
  afterAll(() => {
    console.log(`Winograd vs float64 (max |Δ| / max |y|):\n  ${errors.join('\n  ')}`);
  });

  it.each(withModes)(
    'matches the float64 sum within 1e-5 (%s, relaxed SIMD %s)',
    (_label, relaxed, c) => {
      setRelaxedSimdEnabled(relaxed);
      const { x, g } = inputs(c);
      const got = convOnWasm(c);
      const [, oh, ow] = got.shape as [number, number, number];
      const { top, left } = padOf(c);
      const ref = referenceConv(x, g, c, oh, ow, top, left);
      setWinogradEnabled(false);
      const direct = convOnWasm(c);
      const winograd = maxRelativeError(got.y, ref);
      const xnnpack = maxRelativeError(direct.y, ref);
      errors.push(
        `${JSON.stringify(c)}${relaxed ? ' relaxed' : ''}: winograd ${winograd.toExponential(2)}, direct ${xnnpack.toExponential(2)}`,
      );
      expect(got.shape).toEqual(direct.shape);
      expect(winograd).toBeLessThan(1e-5);
      // Winograd really ran: it rounds differently from the direct convolution.
      expect(maxRelativeError(got.y, direct.y)).toBeGreaterThan(0);
    },
  );

  it.each(withModes)(
    'filter gradient matches the float64 sum within 1e-5 (%s, relaxed SIMD %s)',
    (_label, relaxed, c) => {
      setRelaxedSimdEnabled(relaxed);
      const { x } = inputs(c);
      const out = convOnWasm(c).shape as [number, number, number, number];
      const [, oh, ow] = out;
      const dy = seeded(c.n * oh * ow * c.co, 15);
      const { top, left } = padOf(c);
      const ref = referenceFilterGrad(x, dy, c, oh, ow, top, left);
      // tfjs-core exports no conv2DBackpropFilter op: the kernel, as tf.grads would run it.
      const run = (): Float32Array =>
        tf.tidy(() => {
          const dw = tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), dy: tf.tensor4d(dy, out) },
              { strides: 1, pad: c.pad, dataFormat: 'NHWC', filterShape: [3, 3, c.ci, c.co] },
            ) as tf.Tensor;
          return dw.dataSync() as Float32Array;
        });
      const winograd = run();
      setWinogradEnabled(false);
      const simd = run();
      const eW = maxRelativeError(winograd, ref);
      const eS = maxRelativeError(simd, ref);
      errors.push(
        `dW ${JSON.stringify(c)}${relaxed ? ' relaxed' : ''}: winograd ${eW.toExponential(2)}, SIMD ${eS.toExponential(2)}`,
      );
      expect(eW).toBeLessThan(1e-5);
      expect(maxRelativeError(winograd, simd)).toBeGreaterThan(0);
      // In chunks of 64 tiles (several for the larger cases), summed into the gradient.
      setWinogradEnabled(true);
      setWinogradChunkBytes(1);
      expect(maxRelativeError(run(), ref)).toBeLessThan(1e-5);
    },
  );

  it('gives the same result in chunks of 64 tiles (a partial last chunk) as in one', () => {
    // 13 images of 2 x 5 tiles: 130 tiles in chunks of 44, 44 and 42 (two zero tiles).
    const c: Case = { n: 13, h: 8, w: 20, ci: 16, co: 8, pad: 'same' };
    const whole = convOnWasm(c);
    setWinogradChunkBytes(1);
    const chunked = convOnWasm(c);
    expect(Array.from(chunked.y)).toEqual(Array.from(whole.y));
  });

  it('fuses bias and ReLU like the stock FusedConv2D', () => {
    const c: Case = { n: 2, h: 9, w: 7, ci: 16, co: 20, pad: 'same' };
    const { x, g } = inputs(c);
    const bias = seeded(c.co, 13);
    const run = (activation: 'relu' | 'linear' | 'elu'): Float32Array =>
      tf.tidy(
        () =>
          tf.fused
            .conv2d({
              x: tf.tensor4d(x, [c.n, c.h, c.w, c.ci]),
              filter: tf.tensor4d(g, [3, 3, c.ci, c.co]),
              strides: 1,
              pad: c.pad,
              bias: tf.tensor1d(bias),
              activation,
            })
            .dataSync() as Float32Array,
      );
    for (const activation of ['relu', 'linear', 'elu'] as const) {
      const winograd = run(activation);
      setWinogradEnabled(false);
      const direct = run(activation);
      setWinogradEnabled(true);
      expect(maxRelativeError(winograd, direct), activation).toBeLessThan(1e-5);
    }
    expect(Math.min(...run('relu'))).toBe(0);
  });

  it('leaves no tensor or buffer behind, and gradients through it match the cpu backend', async () => {
    const c: Case = { n: 2, h: 8, w: 6, ci: 16, co: 16, pad: 'same' };
    const { x, g } = inputs(c);
    const grads = (): Float32Array[] =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]);
        const gt = tf.tensor4d(g, [3, 3, c.ci, c.co]);
        const r = tf.tensor(seeded(c.n * c.h * c.w * c.co, 14), [c.n, c.h, c.w, c.co]);
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad), r));
        return tf
          .grads(f)([xt, gt])
          .map((t) => t.dataSync() as Float32Array);
      });
    grads();
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    const [dx, dw] = grads();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    await tf.setBackend('cpu');
    const [cdx, cdw] = grads();
    await tf.setBackend('wasm');
    expect(maxRelativeError(dx!, cdx!)).toBeLessThan(1e-5);
    expect(maxRelativeError(dw!, cdw!)).toBeLessThan(1e-5);
  });

  it('steps aside for shapes it does not take and when switched off', () => {
    // Too few channels, stride 2, a 5x5 filter: the stock convolution, bit for bit.
    const shapes: Array<[number[], number[], number]> = [
      [[2, 8, 8, 8], [3, 3, 8, 8], 1],
      [[2, 8, 8, 16], [3, 3, 16, 8], 2],
      [[2, 8, 8, 16], [5, 5, 16, 8], 1],
    ];
    for (const [xs, gs, stride] of shapes) {
      const run = (): number[] =>
        tf.tidy(() =>
          Array.from(
            tf
              .conv2d(
                tf.tensor4d(
                  seeded(
                    xs.reduce((a, b) => a * b),
                    1,
                  ),
                  xs as [number, number, number, number],
                ),
                tf.tensor4d(
                  seeded(
                    gs.reduce((a, b) => a * b),
                    2,
                  ),
                  gs as [number, number, number, number],
                ),
                stride,
                'same',
              )
              .dataSync(),
          ),
        );
      const on = run();
      setWinogradEnabled(false);
      expect(run()).toEqual(on);
      setWinogradEnabled(true);
    }
    const c = cases[0]!;
    setSimdKernelsEnabled(false);
    const noModule = convOnWasm(c);
    setSimdKernelsEnabled(true);
    setWinogradEnabled(false);
    expect(Array.from(noModule.y)).toEqual(Array.from(convOnWasm(c).y));
  });

  it('follows SEVAR_WINOGRAD until switched in code, and names a malformed value', () => {
    const c = cases[0]!;
    const on = convOnWasm(c);
    setWinogradEnabled(false);
    const off = convOnWasm(c);
    setWinogradEnabled(undefined);
    const saved = process.env.SEVAR_WINOGRAD;
    try {
      process.env.SEVAR_WINOGRAD = '0';
      expect(Array.from(convOnWasm(c).y)).toEqual(Array.from(off.y));
      setWinogradEnabled(true);
      expect(Array.from(convOnWasm(c).y)).toEqual(Array.from(on.y));
      setWinogradEnabled(undefined);
      process.env.SEVAR_WINOGRAD = 'sometimes';
      expect(() => convOnWasm(c)).toThrow(
        /SEVAR_WINOGRAD: expected '1', 'on' or 'true'.*received "sometimes"/,
      );
    } finally {
      if (saved === undefined) delete process.env.SEVAR_WINOGRAD;
      else process.env.SEVAR_WINOGRAD = saved;
    }
  });
});
