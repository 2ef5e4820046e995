import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelOps } from './call.js';
import type { HeapBackend } from './heap.js';

/**
 * [KH, KW, Ci, Co] -> [KH, KW, Co, Ci] with both spatial axes reversed (a transposed
 * convolution's filter). On the wasm heap this is one JS pass; the stock wasm Reverse alone
 * took 3% of a ResNet-18 step. Other backends compose Reverse and Transpose.
 */
export function flipSwapFilter(ops: KernelOps, filter: TensorInfo): TensorInfo {
  const heap = ops.backend as unknown as Partial<HeapBackend>;
  if (
    filter.dtype !== 'float32' ||
    typeof heap.makeOutput !== 'function' ||
    typeof heap.typedArrayFromHeap !== 'function'
  ) {
    const flipped = ops.call('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = ops.call('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    ops.release(flipped);
    return swapped;
  }
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const out = heap.makeOutput([kh, kw, co, ci], 'float32');
  const dst = heap.typedArrayFromHeap(out) as Float32Array;
  const src = heap.typedArrayFromHeap(filter) as Float32Array;
  const taps = kh * kw;
  const block = ci * co;
  for (let t = 0; t < taps; t++) {
    const from = (taps - 1 - t) * block; // (KH-1-r, KW-1-q) is tap taps-1-t
    const to = t * block;
    for (let i = 0; i < ci; i++) {
      const row = from + i * co;
      for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[row + o] as number;
    }
  }
  return out;
}
