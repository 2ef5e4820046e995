import type {
  BatchMatMulAttrs,
  KernelBackend,
  KernelConfig,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { kernelOps } from './call.js';

/**
 * tfjs-backend-wasm runs BatchMatMul through XNNPACK only without transposes and with batch
 * 1; gradients of dense layers ask for transposeA (dW = x^T dy) or transposeB (dx = dy W^T)
 * and fall to a scalar triple loop. Materialising the transpose (one copy) keeps them on
 * XNNPACK. `stock` is the backend's own kernel, captured at registration.
 */
export function batchMatMulVia(stock: KernelConfig) {
  return (
    backendName: string,
    args: {
      inputs: { a: TensorInfo; b: TensorInfo };
      backend: KernelBackend;
      attrs: BatchMatMulAttrs;
    },
  ): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const transposed = attrs.transposeA || attrs.transposeB;
    if (
      !transposed ||
      batchA !== 1 ||
      batchB !== 1 ||
      a.dtype !== 'float32' ||
      b.dtype !== 'float32'
    ) {
      return stock.kernelFunc({ inputs, backend, attrs: { ...attrs } }) as TensorInfo;
    }
    const ops = kernelOps(backendName, backend);
    const swap = (x: TensorInfo): TensorInfo => {
      const rows = x.shape[x.shape.length - 2] as number;
      const cols = x.shape[x.shape.length - 1] as number;
      const flat = ops.call('Reshape', { x }, { shape: [rows, cols] });
      const t = ops.call('Transpose', { x: flat }, { perm: [1, 0] });
      ops.release(flat);
      return t;
    };
    const a2 = attrs.transposeA ? swap(a) : a;
    const b2 = attrs.transposeB ? swap(b) : b;
    const out = stock.kernelFunc({
      inputs: { a: a2, b: b2 },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
    if (a2 !== a) ops.release(a2);
    if (b2 !== b) ops.release(b2);
    // Keep the rank tfjs expects: [...broadcast outer dims of a and b, M, N].
    const outer = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    const shape = [...outer, ...out.shape.slice(-2)];
    if (shape.length === out.shape.length) return out;
    const reshaped = ops.call('Reshape', { x: out }, { shape });
    ops.release(out);
    return reshaped;
  };
}
