import type { KernelBackend, KernelConfig, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { asHeapBackend, f32 } from './heap.js';

/** The reduced axes as a sorted, non-negative list. */
function normalizeAxes(axis: number | number[], rank: number): number[] {
  const list = Array.isArray(axis) ? axis : [axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
}

/**
 * Bias gradients reduce an NHWC tensor over its leading axes (N, H, W), which the stock wasm
 * Sum does by first transposing the whole tensor. Summing rows of the heap in place is one
 * pass with no copy; every other Sum goes to `stock`, the backend's own kernel.
 */
export function sumVia(stock: KernelConfig) {
  return (
    _backendName: string,
    args: { inputs: { x: TensorInfo }; backend: KernelBackend; attrs: SumAttrs },
  ): TensorInfo => {
    const { inputs, attrs } = args;
    const { x } = inputs;
    const rank = x.shape.length;
    const axes = normalizeAxes(attrs.axis, rank);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') {
      return stock.kernelFunc({ inputs, backend: args.backend, attrs: { ...attrs } }) as TensorInfo;
    }
    const backend = asHeapBackend(args.backend, 'Sum');
    const kept = x.shape.slice(axes.length);
    const cols = kept.reduce((p, d) => p * d, 1);
    const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(outShape, 'float32');
    const values = f32(backend, x);
    const acc = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) + (values[base + c] as number);
    }
    f32(backend, out).set(acc);
    return out;
  };
}
