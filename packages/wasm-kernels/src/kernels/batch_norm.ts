import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { TrainingKernelError } from '../errors.js';
import { asHeapBackend, f32 } from './heap.js';
import type { HeapBackend } from './heap.js';
import { maxSplitParts, runSplit } from './kernel_threads.js';
import { batchNormKernels, heapAddress } from './simd.js';
import type { BatchNormKernels } from './simd.js';

/**
 * A batch norm's training-mode forward and backward passes (`BATCH_NORM_TRAINING_KERNELS` of
 * `@sevar/core`) over the wasm heap: two passes over x for the moments (float64 sums per
 * channel) and one for y; one pass over dy and x for the two sums of the gradient and one for
 * dx. tfjs-core's composition of the same formulas (what `@sevar/layers` runs elsewhere) makes
 * about 16 passes and 9 activation-sized tensors per batch norm. The SIMD module
 * (assembly/batch-norm.ts) splits each pass by rows over the kernel threads; where it cannot
 * run, the same arithmetic runs in JS (float32 rounding at the same steps, float64 sums in the
 * same order: the same bits).
 */

const f = Math.fround;

interface Shapes {
  /** Channels (the last axis) and rows (every other axis, flattened). */
  c: number;
  rows: number;
}

/** Checks a kernel's inputs: float32, `x`-shaped tensors and `[c]` vectors. */
function shapesOf(
  kernel: string,
  full: Record<string, TensorInfo>,
  vectors: Record<string, TensorInfo>,
): Shapes {
  const subject = `@sevar/wasm-kernels ${kernel}`;
  const x = full['x']!;
  const all = { ...full, ...vectors };
  const wrongType = Object.entries(all).filter(([, t]) => t.dtype !== 'float32');
  if (wrongType.length > 0) {
    throw new TrainingKernelError({
      subject,
      expected: 'float32 inputs',
      received: Object.fromEntries(wrongType.map(([name, t]) => [name, t.dtype])),
    });
  }
  const c = x.shape[x.shape.length - 1] ?? 0;
  const same = (t: TensorInfo) =>
    t.shape.length === x.shape.length && t.shape.every((d, i) => d === x.shape[i]);
  const bad =
    x.shape.length < 2 ||
    Object.values(full).some((t) => !same(t)) ||
    Object.values(vectors).some((t) => t.shape.length !== 1 || t.shape[0] !== c);
  if (bad) {
    throw new TrainingKernelError({
      subject,
      expected: `channels-last tensors of rank 2 or more, all of x's shape, and vectors of its last dimension`,
      received: Object.fromEntries(Object.entries(all).map(([name, t]) => [name, t.shape])),
    });
  }
  const rows = c === 0 ? 0 : x.shape.reduce((p, d) => p * d, 1) / c;
  return { c, rows };
}

/** The epsilon attribute: a finite number of at least 0. */
function epsilonOf(kernel: string, attrs: { epsilon?: unknown }): number {
  const { epsilon } = attrs;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) {
    throw new TrainingKernelError({
      subject: `@sevar/wasm-kernels ${kernel} epsilon`,
      expected: 'a finite number of at least 0',
      received: epsilon,
    });
  }
  return epsilon;
}

/** `1 / sqrt(variance + epsilon)` rounded as tfjs's float32 `rsqrt(add(...))` rounds it. */
const invStd = (variance: number, epsilon: number): number =>
  f(1 / Math.sqrt(f(variance + epsilon)));

/** Where a pass's partial sums lie: part p's `width` float64 sums start at `part(p)`. */
interface Partials {
  parts: number;
  width: number;
  part(p: number): number;
}

/**
 * Scratch on the heap: `parts` runs of `width` float64 sums, each on cache lines of its own
 * (threads summing neighbouring parts would otherwise contend for a shared line on every row),
 * then `vectors` float32 vectors of `c`. Allocate it before taking any view.
 */
function scratch(backend: HeapBackend, parts: number, width: number, vectors: number, c: number) {
  const stride = Math.ceil(width / 8) * 8;
  const info = backend.makeOutput([2 * parts * stride + 16 + vectors * c], 'float32');
  return {
    info,
    /** Byte offsets (take them after the last allocation). */
    at(): { sums: Partials; vector: (i: number) => number } {
      const first = Math.ceil(heapAddress(backend, info) / 64) * 64;
      const vectorsAt = first + 8 * parts * stride;
      const sums = { parts, width, part: (p: number) => first + 8 * stride * p };
      return { sums, vector: (i) => vectorsAt + 4 * c * i };
    },
  };
}

/** Zeroes the partial sums (parts the split does not reach stay zero). */
function clearParts(heap: ArrayBufferLike, sums: Partials): void {
  new Float64Array(heap, sums.part(0), (sums.part(sums.parts) - sums.part(0)) / 8).fill(0);
}

/** The split passes' partial sums, added in part order. */
function addParts(heap: ArrayBufferLike, sums: Partials): Float64Array {
  const total = new Float64Array(sums.width);
  for (let p = 0; p < sums.parts; p++) {
    const part = new Float64Array(heap, sums.part(p), sums.width);
    for (let i = 0; i < sums.width; i++) total[i] = (total[i] as number) + (part[i] as number);
  }
  return total;
}

type KernelArgs<I> = { inputs: I; backend: KernelBackend; attrs: { epsilon?: unknown } };

const FORWARD = 'SevarBatchNormTraining';
const BACKWARD = 'SevarBatchNormTrainingGrad';

/** Forward: `[y, mean, variance]` from `{ x, gamma, beta }` and `epsilon`. */
export function batchNormTraining(
  _backendName: string,
  args: KernelArgs<{ x: TensorInfo; gamma: TensorInfo; beta: TensorInfo }>,
): TensorInfo[] {
  const { x, gamma, beta } = args.inputs;
  const { c, rows } = shapesOf(FORWARD, { x }, { gamma, beta });
  const epsilon = epsilonOf(FORWARD, args.attrs);
  const backend = asHeapBackend(args.backend, FORWARD);
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([c], 'float32');
  const variance = backend.makeOutput([c], 'float32');
  const simd = rows === 0 ? null : batchNormKernels(args.backend);
  const parts = simd === null ? 0 : maxSplitParts(args.backend);
  const temp = scratch(backend, parts, c, 3, c);
  try {
    if (simd === null) {
      forwardJs(backend, { x, gamma, beta, y, mean, variance }, c, rows, epsilon);
    } else {
      forwardSimd(
        args.backend,
        simd,
        { x, gamma, beta, y, mean, variance },
        temp.at(),
        c,
        rows,
        epsilon,
      );
    }
  } finally {
    args.backend.disposeData(temp.info.dataId);
  }
  return [y, mean, variance];
}

type ForwardTensors = Record<'x' | 'gamma' | 'beta' | 'y' | 'mean' | 'variance', TensorInfo>;

function forwardSimd(
  kernelBackend: KernelBackend,
  simd: BatchNormKernels,
  t: ForwardTensors,
  at: { sums: Partials; vector: (i: number) => number },
  c: number,
  rows: number,
  epsilon: number,
): void {
  const backend = kernelBackend as unknown as HeapBackend;
  const addr = (info: TensorInfo) => heapAddress(backend, info);
  const [zero, scale] = [at.vector(0), at.vector(1)];
  const heap = f32(backend, t.x).buffer;
  new Float32Array(heap, zero, c).fill(0);
  const moments = (shift: number, squares: boolean): Float64Array => {
    clearParts(heap, at.sums);
    runSplit(kernelBackend, simd, 3, 'channelMoments', rows, 1, (from, to, p) => [
      addr(t.x),
      shift,
      at.sums.part(p),
      c,
      squares ? 1 : 0,
      from,
      to,
    ]);
    return addParts(heap, at.sums);
  };
  const mean = f32(backend, t.mean);
  const sums = moments(zero, false);
  for (let ch = 0; ch < c; ch++) mean[ch] = (sums[ch] as number) / rows;
  const variance = f32(backend, t.variance);
  const squares = moments(addr(t.mean), true);
  const gamma = f32(backend, t.gamma);
  const scales = new Float32Array(heap, scale, c);
  for (let ch = 0; ch < c; ch++) {
    variance[ch] = (squares[ch] as number) / rows;
    scales[ch] = (gamma[ch] as number) * invStd(variance[ch] as number, epsilon);
  }
  runSplit(kernelBackend, simd, 3, 'channelAffine', rows, 1, (from, to) => [
    addr(t.x),
    addr(t.mean),
    scale,
    addr(t.beta),
    addr(t.y),
    c,
    from,
    to,
  ]);
}

/** The forward pass in JS: the SIMD module's arithmetic, in the same order. */
function forwardJs(
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

type BackwardTensors = Record<
  'dy' | 'x' | 'mean' | 'variance' | 'gamma' | 'dx' | 'dgamma' | 'dbeta',
  TensorInfo
>;

/**
 * The per-channel factors of dx = dy * k + (x - mean) * c1 + c0, and dgamma, from the two sums
 * (of dy: dbeta; of dy * (x - mean)), rounded where tfjs's float32 ops of the composition round.
 */
function gradFactors(
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

/** Backward: `[dx, dgamma, dbeta]` from `{ dy, x, mean, variance, gamma }` and `epsilon`. */
export function batchNormTrainingGrad(
  _backendName: string,
  args: KernelArgs<Record<'dy' | 'x' | 'mean' | 'variance' | 'gamma', TensorInfo>>,
): TensorInfo[] {
  const { dy, x, mean, variance, gamma } = args.inputs;
  const { c, rows } = shapesOf(BACKWARD, { x, dy }, { mean, variance, gamma });
  const epsilon = epsilonOf(BACKWARD, args.attrs);
  const backend = asHeapBackend(args.backend, BACKWARD);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dgamma = backend.makeOutput([c], 'float32');
  const dbeta = backend.makeOutput([c], 'float32');
  const simd = rows === 0 ? null : batchNormKernels(args.backend);
  const parts = simd === null ? 0 : maxSplitParts(args.backend);
  const temp = scratch(backend, parts, 2 * c, 3, c);
  const t = { dy, x, mean, variance, gamma, dx, dgamma, dbeta };
  try {
    if (simd === null) backwardJs(backend, t, c, rows, epsilon);
    else backwardSimd(args.backend, simd, t, temp.at(), { c, rows, epsilon });
  } finally {
    args.backend.disposeData(temp.info.dataId);
  }
  return [dx, dgamma, dbeta];
}

function backwardSimd(
  kernelBackend: KernelBackend,
  simd: BatchNormKernels,
  t: BackwardTensors,
  at: { sums: Partials; vector: (i: number) => number },
  size: { c: number; rows: number; epsilon: number },
): void {
  const { c, rows, epsilon } = size;
  const backend = kernelBackend as unknown as HeapBackend;
  const addr = (info: TensorInfo) => heapAddress(backend, info);
  const heap = f32(backend, t.x).buffer;
  clearParts(heap, at.sums);
  runSplit(kernelBackend, simd, 3, 'channelDot', rows, 1, (from, to, p) => [
    addr(t.dy),
    addr(t.x),
    addr(t.mean),
    at.sums.part(p),
    c,
    from,
    to,
  ]);
  const sums = addParts(heap, at.sums);
  const [k, c1, c0] = [0, 1, 2].map(
    (i) => new Float32Array(heap, at.vector(i), c),
  ) as Float32Array[];
  gradFactors(
    { gamma: f32(backend, t.gamma), variance: f32(backend, t.variance) },
    sums.subarray(0, c),
    sums.subarray(c),
    rows,
    epsilon,
    { dgamma: f32(backend, t.dgamma), dbeta: f32(backend, t.dbeta), k: k!, c1: c1!, c0: c0! },
  );
  runSplit(kernelBackend, simd, 3, 'channelAffineGrad', rows, 1, (from, to) => [
    addr(t.dy),
    addr(t.x),
    addr(t.mean),
    at.vector(0),
    at.vector(1),
    at.vector(2),
    addr(t.dx),
    c,
    from,
    to,
  ]);
}

/** The backward pass in JS: the SIMD module's arithmetic, in the same order. */
function backwardJs(
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
