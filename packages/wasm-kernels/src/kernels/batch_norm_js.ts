import type { TensorInfo } from '@tensorflow/tfjs-core';
import { f32 } from './heap.js';
import type { HeapBackend } from './heap.js';

// The batch-norm kernels' JS path (where the SIMD module cannot run), and the per-channel
// arithmetic both paths share: float32 rounding at the steps where the module rounds.

const f = Math.fround;

/** `1 / sqrt(variance + epsilon)` rounded as tfjs's float32 `rsqrt(add(...))` rounds it. */
export const invStd = (variance: number, epsilon: number): number =>
  f(1 / Math.sqrt(f(variance + epsilon)));

export type ForwardTensors = Record<'x' | 'gamma' | 'beta' | 'y' | 'mean' | 'variance', TensorInfo>;

export type BackwardTensors = Record<
  'dy' | 'x' | 'mean' | 'variance' | 'gamma' | 'dx' | 'dgamma' | 'dbeta',
  TensorInfo
>;

/** The forward pass in JS: the SIMD module's arithmetic, in the same order. */
export function forwardJs(
  backend: HeapBackend,
  t: ForwardTensors,
  c: number,
  rows: number,
  epsilon: number,
): void {
  const [x, gamma, beta, y] = [t.x, t.gamma, t.beta, t.y].map((i) =>
    f32(backend, i),
  ) as Float32Array[];
  const mean = f32(backend, t.mean);
  const variance = f32(backend, t.variance);
  const sums = new Float64Array(c);
  const squares = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    for (let ch = 0; ch < c; ch++) sums[ch] = (sums[ch] as number) + (x![r * c + ch] as number);
  }
  for (let ch = 0; ch < c; ch++) mean[ch] = (sums[ch] as number) / rows;
  for (let r = 0; r < rows; r++) {
    for (let ch = 0; ch < c; ch++) {
      const d = f((x![r * c + ch] as number) - (mean[ch] as number));
      squares[ch] = (squares[ch] as number) + f(d * d);
    }
  }
  const scale = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    variance[ch] = rows === 0 ? NaN : (squares[ch] as number) / rows;
    scale[ch] = (gamma![ch] as number) * invStd(variance[ch] as number, epsilon);
  }
  for (let r = 0; r < rows; r++) {
    for (let ch = 0; ch < c; ch++) {
      const d = f((x![r * c + ch] as number) - (mean[ch] as number));
      y![r * c + ch] = f(d * (scale[ch] as number)) + (beta![ch] as number);
    }
  }
}

/**
 * The per-channel factors of dx = dy * k + (x - mean) * c1 + c0, and dgamma, from the two sums
 * (of dy: dbeta; of dy * (x - mean)), rounded where tfjs's float32 ops of the composition round.
 */
export function gradFactors(
  t: { gamma: Float32Array; variance: Float32Array },
  sumDy: Float64Array | Float32Array,
  sumDot: Float64Array,
  count: number,
  epsilon: number,
  out: Record<'dgamma' | 'dbeta' | 'k' | 'c1' | 'c0', Float32Array>,
): void {
  for (let ch = 0; ch < out.k.length; ch++) {
    const inv = invStd(t.variance[ch] as number, epsilon);
    const dbeta = f(sumDy[ch] as number);
    const dgamma = f(f(sumDot[ch] as number) * inv);
    const k = f((t.gamma[ch] as number) * inv);
    out.dbeta[ch] = dbeta;
    out.dgamma[ch] = dgamma;
    out.k[ch] = k;
    out.c1[ch] = f(f(inv * dgamma) * k) / -count;
    out.c0[ch] = f(dbeta * k) / -count;
  }
}

/** The backward pass in JS: the SIMD module's arithmetic, in the same order. */
export function backwardJs(
  backend: HeapBackend,
  t: BackwardTensors,
  c: number,
  rows: number,
  epsilon: number,
): void {
  const [dy, x, mean, dx] = [t.dy, t.x, t.mean, t.dx].map((i) => f32(backend, i)) as Float32Array[];
  const sumDy = new Float64Array(c);
  const sumDot = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    for (let ch = 0; ch < c; ch++) {
      const g = dy![r * c + ch] as number;
      const d = f((x![r * c + ch] as number) - (mean![ch] as number));
      sumDy[ch] = (sumDy[ch] as number) + g;
      sumDot[ch] = (sumDot[ch] as number) + f(g * d);
    }
  }
  const [k, c1, c0] = [0, 1, 2].map(() => new Float32Array(c)) as Float32Array[];
  gradFactors(
    { gamma: f32(backend, t.gamma), variance: f32(backend, t.variance) },
    sumDy,
    sumDot,
    rows,
    epsilon,
    { dgamma: f32(backend, t.dgamma), dbeta: f32(backend, t.dbeta), k: k!, c1: c1!, c0: c0! },
  );
  for (let r = 0; r < rows; r++) {
    for (let ch = 0; ch < c; ch++) {
      const i = r * c + ch;
      const d = f((x![i] as number) - (mean![ch] as number));
      const both = f(f((dy![i] as number) * (k![ch] as number)) + f(d * (c1![ch] as number)));
      dx![i] = both + (c0![ch] as number);
    }
  }
}
