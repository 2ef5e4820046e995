import type {
  KernelBackend,
  KernelConfig,
  MeanAttrs,
  SumAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { asHeapBackend, f32 } from './heap.js';
import { batchNormKernels } from './simd.js';
import { columnSums } from './split_sums.js';

/** The reduced axes as a sorted, non-negative list. */
function normalizeAxes(axis: number | number[], rank: number): number[] {
  const list = Array.isArray(axis) ? axis : [axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
}

/**
 * Bias and batch-norm gradients (Sum) and batch-norm moments (Mean) reduce an NHWC tensor
 * over its leading axes (N, H, W), which the stock wasm kernels do by first transposing the
 * whole tensor. Summing rows of the heap in place is one pass with no copy; every other
 * reduction goes to `stock`, the backend's own kernel. The pass runs in the SIMD module
 * (the batch-norm module's `channelMoments`, split over the kernel threads), or in JS where it
 * cannot run; both add in float64, row by row.
 */
export function sumVia(stock: KernelConfig) {
  return reduceLeadingVia(stock, false);
}

export function meanVia(stock: KernelConfig) {
  return reduceLeadingVia(stock, true);
}

function reduceLeadingVia(stock: KernelConfig, mean: boolean) {
  return (
    _backendName: string,
    args: { inputs: { x: TensorInfo }; backend: KernelBackend; attrs: SumAttrs | MeanAttrs },
  ): TensorInfo => {
    const { inputs, attrs } = args;
    const { x } = inputs;
    const rank = x.shape.length;
    const axes = normalizeAxes(attrs.axis, rank);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') {
      return stock.kernelFunc({ inputs, backend: args.backend, attrs: { ...attrs } }) as TensorInfo;
    }
    const backend = asHeapBackend(args.backend, mean ? 'Mean' : 'Sum');
    const kept = x.shape.slice(axes.length);
    const cols = kept.reduce((p, d) => p * d, 1);
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(outShape, 'float32');
    const simd = rows > 0 && cols > 0 ? batchNormKernels(args.backend) : null;
    if (simd !== null) {
      const sums = columnSums(args.backend, simd, x, rows, cols);
      if (mean) for (let c = 0; c < cols; c++) sums[c] = (sums[c] as number) / rows;
      f32(backend, out).set(sums);
      return out;
    }
    const values = f32(backend, x);
    const acc = new Float64Array(cols);
    let r = 0;
    // Four rows per pass: a quarter of the accumulator traffic.
    for (; r + 4 <= rows; r += 4) {
      const b0 = r * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      for (let c = 0; c < cols; c++) {
        acc[c] =
          (acc[c] as number) +
          (values[b0 + c] as number) +
          (values[b1 + c] as number) +
          (values[b2 + c] as number) +
          (values[b3 + c] as number);
      }
    }
    for (; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) + (values[base + c] as number);
    }
    if (mean) for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) / rows;
    f32(backend, out).set(acc);
    return out;
  };
}
