import { BATCH_NORM_TRAINING_KERNELS } from '@sevar/core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { TrainingKernelError } from '../errors.js';
import { backwardJs, forwardJs, gradFactors, invStd } from './batch_norm_js.js';
import type { BackwardTensors, ForwardTensors } from './batch_norm_js.js';
import { asHeapBackend, f32 } from './heap.js';
import type { HeapBackend } from './heap.js';
import { maxSplitParts, runSplit } from './kernel_threads.js';
import { batchNormKernels, heapAddress } from './simd.js';
import type { BatchNormKernels } from './simd.js';
import { addParts, clearParts, scratch, splitMoments } from './split_sums.js';
import type { Partials } from './split_sums.js';

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

type Scratch = { sums: Partials; vector: (i: number) => number };

/**
 * Runs a kernel's passes in the SIMD module, with scratch for `width` partial sums per part and
 * three vectors of c, or in JS where the module cannot run (or there are no rows). Call after
 * the kernel's outputs are allocated.
 */
function passes(
  backend: KernelBackend,
  size: { c: number; rows: number },
  width: number,
  run: { js: () => void; simd: (simd: BatchNormKernels, at: Scratch) => void },
): void {
  const simd = size.rows === 0 ? null : batchNormKernels(backend);
  if (simd === null) {
    run.js();
    return;
  }
  const temp = scratch(backend as unknown as HeapBackend, maxSplitParts(backend), width, 3, size.c);
  try {
    run.simd(simd, temp.at());
  } finally {
    backend.disposeData(temp.info.dataId);
  }
}

type KernelArgs<I> = { inputs: I; backend: KernelBackend; attrs: { epsilon?: unknown } };

const { forward: FORWARD, backward: BACKWARD } = BATCH_NORM_TRAINING_KERNELS;

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
  const t = { x, gamma, beta, y, mean, variance };
  const size = { c, rows, epsilon };
  passes(args.backend, size, c, {
    js: () => forwardJs(backend, t, c, rows, epsilon),
    simd: (simd, at) => forwardSimd(args.backend, simd, t, at, size),
  });
  return [y, mean, variance];
}

function forwardSimd(
  kernelBackend: KernelBackend,
  simd: BatchNormKernels,
  t: ForwardTensors,
  at: Scratch,
  size: { c: number; rows: number; epsilon: number },
): void {
  const { c, rows, epsilon } = size;
  const backend = kernelBackend as unknown as HeapBackend;
  const addr = (info: TensorInfo) => heapAddress(backend, info);
  const [zero, scale] = [at.vector(0), at.vector(1)];
  const heap = f32(backend, t.x).buffer;
  new Float32Array(heap, zero, c).fill(0);
  const moments = (shift: number, squares: boolean): Float64Array =>
    splitMoments(kernelBackend, simd, heap, { x: addr(t.x), shift, sums: at.sums, rows, squares });
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
  const t = { dy, x, mean, variance, gamma, dx, dgamma, dbeta };
  const size = { c, rows, epsilon };
  passes(args.backend, size, 2 * c, {
    js: () => backwardJs(backend, t, c, rows, epsilon),
    simd: (simd, at) => backwardSimd(args.backend, simd, t, at, size),
  });
  return [dx, dgamma, dbeta];
}

function backwardSimd(
  kernelBackend: KernelBackend,
  simd: BatchNormKernels,
  t: BackwardTensors,
  at: Scratch,
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
