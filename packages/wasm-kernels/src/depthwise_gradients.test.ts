import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, onBackend, seeded } from './__tests__/helpers.js';
import { registerWasmTrainingKernels } from './index.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  m: number;
  k: [number, number];
  s: [number, number];
  pad: Pad;
}

const cases: Case[] = [
  { n: 1, h: 9, w: 7, c: 1, m: 1, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 3, h: 9, w: 8, c: 3, m: 1, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 2, h: 10, w: 11, c: 2, m: 3, k: [3, 3], s: [3, 3], pad: 'valid' },
  { n: 2, h: 8, w: 9, c: 4, m: 2, k: [1, 1], s: [2, 2], pad: 'valid' },
  { n: 2, h: 11, w: 9, c: 3, m: 1, k: [7, 7], s: [1, 1], pad: 'same' },
  {
    n: 2,
    h: 9,
    w: 10,
    c: 2,
    m: 2,
    k: [5, 3],
    s: [2, 2],
    pad: [
      [0, 0],
      [1, 3],
      [2, 0],
      [0, 0],
    ],
  },
];

function depthwiseGrads(c: Case): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(seeded(c.n * c.h * c.w * c.c, 4), [c.n, c.h, c.w, c.c]);
    const f = tf.tensor4d(seeded(c.k[0] * c.k[1] * c.c * c.m, 5), [c.k[0], c.k[1], c.c, c.m]);
    const probe = tf.depthwiseConv2d(x, f, c.s, c.pad);
    const r = tf.tensor(seeded(probe.size, 6), probe.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)),
    )([x, f]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

describe('depthwise conv gradients on wasm match the cpu backend', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('%s', async (_label, c) => {
    const ref = await onBackend('cpu', () => depthwiseGrads(c));
    const got = await onBackend('wasm', () => depthwiseGrads(c));
    expect(maxRelativeError(got.dx, ref.dx)).toBeLessThan(1e-4);
    expect(maxRelativeError(got.dw, ref.dw)).toBeLessThan(1e-4);
  });
});

// tfjs's gradient refuses dilations and the cpu kernels ignore them, so dilated kernels are
// checked against the defining sums, written out directly.
function naiveDepthwiseGrads(
  x: Float32Array,
  f: Float32Array,
  dy: Float32Array,
  info: backend_util.Conv2DInfo,
): { dx: Float64Array; dw: Float64Array } {
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
  } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dwd } = info;
  const m = info.outChannels / c;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(f.length);
  for (let b = 0; b < n; b++)
    for (let yr = 0; yr < oh; yr++)
      for (let yc = 0; yc < ow; yc++)
        for (let r = 0; r < kh; r++)
          for (let q = 0; q < kw; q++) {
            const xr = yr * sh + r * dh - info.padInfo.top;
            const xc = yc * sw + q * dwd - info.padInfo.left;
            if (xr < 0 || xr >= h || xc < 0 || xc >= w) continue;
            for (let ch = 0; ch < c; ch++)
              for (let mm = 0; mm < m; mm++) {
                const g = dy[((b * oh + yr) * ow + yc) * c * m + ch * m + mm] as number;
                const xi = ((b * h + xr) * w + xc) * c + ch;
                const fi = ((r * kw + q) * c + ch) * m + mm;
                dx[xi] = (dx[xi] as number) + g * (f[fi] as number);
                dw[fi] = (dw[fi] as number) + g * (x[xi] as number);
              }
          }
  return { dx, dw };
}

describe('dilated depthwise gradient kernels on wasm match the defining sums', () => {
  it.each([
    [[2, 11, 10, 3], [3, 3, 3, 2], [1, 1], [2, 2], 'same'],
    [[1, 12, 9, 2], [3, 2, 2, 1], [1, 1], [2, 3], 'valid'],
    [[2, 10, 10, 2], [3, 3, 2, 1], [2, 2], [2, 2], 'valid'],
  ] as const)('x %j filter %j strides %j dilations %j %s', async (xs, fs, s, d, pad) => {
    await tf.setBackend('wasm');
    registerWasmTrainingKernels();
    const xShape = [...xs] as [number, number, number, number];
    const fShape = [...fs] as [number, number, number, number];
    const info = backend_util.computeConv2DInfo(
      xShape,
      fShape,
      [...s],
      [...d],
      pad,
      undefined,
      true,
    );
    const xv = seeded(tf.util.sizeFromShape(xShape), 7);
    const fv = seeded(tf.util.sizeFromShape(fShape), 8);
    const dyv = seeded(tf.util.sizeFromShape(info.outShape), 9);
    const ref = naiveDepthwiseGrads(xv, fv, dyv, info);
    const attrs = { strides: [...s], dilations: [...d], pad };
    const [dx, dw] = tf.tidy(() => {
      const x = tf.tensor4d(xv, xShape);
      const f = tf.tensor4d(fv, fShape);
      const dy = tf.tensor4d(dyv, info.outShape);
      const gx = tf.engine().runKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy, filter: f },
        {
          ...attrs,
          inputShape: xShape,
        },
      ) as tf.Tensor;
      const gw = tf.engine().runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy },
        {
          ...attrs,
          filterShape: fShape,
        },
      ) as tf.Tensor;
      return [gx.dataSync(), gw.dataSync()];
    });
    expect(maxRelativeError(dx!, ref.dx)).toBeLessThan(1e-4);
    expect(maxRelativeError(dw!, ref.dw)).toBeLessThan(1e-4);
  });
});
