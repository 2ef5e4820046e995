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
    swapTap(src, from, dst, t * block, ci, co, ci);
  }
  return out;
}

/**
 * One filter tap's [Ci, Co] block of `src` from `from`, written transposed to `dst` from `to`:
 * entry (i, o) goes to `to + o * stride + i` (stride Ci, or more where phases interleave).
 */
function swapTap(
  src: Float32Array,
  from: number,
  dst: Float32Array,
  to: number,
  ci: number,
  co: number,
  stride: number,
): void {
  for (let i = 0; i < ci; i++) {
    const row = from + i * co;
    for (let o = 0; o < co; o++) dst[to + o * stride + i] = src[row + o] as number;
  }
}

/**
 * The phase-split filter of a strided input gradient, [Jh, Jw, Co, sh * sw * Ci] from
 * [KH, KW, Ci, Co]: entry (jh, jw, o, (rh, rw, i)) is tap (rh + sh * (Jh-1-jh), rw + sw *
 * (Jw-1-jw)) of the filter, zero past its edge. One JS pass on the heap (the wasm backend's
 * 6-D Transpose is a generic, slow loop); other backends compose PadV2, Reverse, Transpose.
 */
export function phaseFilter(
  ops: KernelOps,
  filter: TensorInfo,
  sh: number,
  sw: number,
): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const jh = Math.ceil(kh / sh);
  const jw = Math.ceil(kw / sw);
  const heap = ops.backend as unknown as Partial<HeapBackend>;
  if (
    filter.dtype !== 'float32' ||
    typeof heap.makeOutput !== 'function' ||
    typeof heap.typedArrayFromHeap !== 'function'
  ) {
    const padded = ops.call(
      'PadV2',
      { x: filter },
      {
        paddings: [
          [0, jh * sh - kh],
          [0, jw * sw - kw],
          [0, 0],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    const split = ops.call('Reshape', { x: padded }, { shape: [jh, sh, jw, sw, ci, co] });
    ops.release(padded);
    const flipped = ops.call('Reverse', { x: split }, { dims: [0, 2] });
    ops.release(split);
    const moved = ops.call('Transpose', { x: flipped }, { perm: [0, 2, 5, 1, 3, 4] });
    ops.release(flipped);
    const out = ops.call('Reshape', { x: moved }, { shape: [jh, jw, co, sh * sw * ci] });
    ops.release(moved);
    return out;
  }
  const phases = sh * sw * ci;
  const out = heap.makeOutput([jh, jw, co, phases], 'float32');
  const dst = heap.typedArrayFromHeap(out) as Float32Array;
  const src = heap.typedArrayFromHeap(filter) as Float32Array;
  dst.fill(0);
  for (let a = 0; a < jh; a++) {
    for (let rh = 0; rh < sh; rh++) {
      const r = rh + sh * (jh - 1 - a);
      if (r >= kh) continue;
      for (let b = 0; b < jw; b++) {
        for (let rw = 0; rw < sw; rw++) {
          const q = rw + sw * (jw - 1 - b);
          if (q >= kw) continue;
          const from = (r * kw + q) * ci * co;
          const to = (a * jw + b) * co * phases + (rh * sw + rw) * ci;
          swapTap(src, from, dst, to, ci, co, phases);
        }
      }
    }
  }
  return out;
}

/**
 * The exact filters of a strided input gradient's phases on the wasm heap: phase (rh, rw)
 * (row-major, sh * sw of them) meets only taps rh + sh·u, rw + sw·v of the filter, so its
 * filter is [jh, jw, Co, Ci] with jh = ceil((KH - rh) / sh) (0 where no tap), flipped: entry
 * (a, b, o, i) is tap (rh + sh·(jh-1-a), rw + sw·(jw-1-b)). Unlike `phaseFilter`, which pads
 * every phase to the largest, no multiply is spent on zeros (3x3 at stride 2: 9 taps instead of
 * 16). Null off the heap (other backends use `phaseFilter`).
 */
export function exactPhaseFilters(
  ops: KernelOps,
  filter: TensorInfo,
  sh: number,
  sw: number,
): Array<{ filter: TensorInfo | null; jh: number; jw: number }> | null {
  const heap = ops.backend as unknown as Partial<HeapBackend>;
  if (
    filter.dtype !== 'float32' ||
    typeof heap.makeOutput !== 'function' ||
    typeof heap.typedArrayFromHeap !== 'function'
  ) {
    return null;
  }
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const out: Array<{ filter: TensorInfo | null; jh: number; jw: number }> = [];
  for (let rh = 0; rh < sh; rh++) {
    for (let rw = 0; rw < sw; rw++) {
      const jh = Math.max(0, Math.ceil((kh - rh) / sh));
      const jw = Math.max(0, Math.ceil((kw - rw) / sw));
      if (jh === 0 || jw === 0) {
        out.push({ filter: null, jh, jw });
        continue;
      }
      const info = heap.makeOutput([jh, jw, co, ci], 'float32');
      // Views after the allocation, which may have grown the heap.
      const dst = heap.typedArrayFromHeap(info) as Float32Array;
      const src = heap.typedArrayFromHeap(filter) as Float32Array;
      for (let a = 0; a < jh; a++) {
        const r = rh + sh * (jh - 1 - a);
        for (let b = 0; b < jw; b++) {
          const q = rw + sw * (jw - 1 - b);
          const from = (r * kw + q) * ci * co;
          swapTap(src, from, dst, (a * jw + b) * co * ci, ci, co, ci);
        }
      }
      out.push({ filter: info, jh, jw });
    }
  }
  return out;
}
