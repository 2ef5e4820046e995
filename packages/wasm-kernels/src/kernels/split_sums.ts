import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './heap.js';
import { maxSplitParts, runSplit } from './kernel_threads.js';
import type { BatchNormKernels } from './simd.js';
import { heapAddress } from './simd.js';

// Per-column float64 sums of a [rows, width] float32 matrix on the wasm heap, split by rows over
// the kernel threads: each part sums into its own run of the scratch, and the runs are added in
// part order.

/** Where a pass's partial sums lie: part p's `width` float64 sums start at `part(p)`. */
export interface Partials {
  parts: number;
  width: number;
  part(p: number): number;
}

/**
 * Scratch on the heap: `parts` runs of `width` float64 sums, each on cache lines of its own
 * (threads summing neighbouring parts would otherwise contend for a shared line on every row),
 * then `vectors` float32 vectors of `c`. Allocate it before taking any view.
 */
export function scratch(
  backend: HeapBackend,
  parts: number,
  width: number,
  vectors: number,
  c: number,
) {
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
export function clearParts(heap: ArrayBufferLike, sums: Partials): void {
  new Float64Array(heap, sums.part(0), (sums.part(sums.parts) - sums.part(0)) / 8).fill(0);
}

/** The split passes' partial sums, added in part order. */
export function addParts(heap: ArrayBufferLike, sums: Partials): Float64Array {
  const total = new Float64Array(sums.width);
  for (let p = 0; p < sums.parts; p++) {
    const part = new Float64Array(heap, sums.part(p), sums.width);
    for (let i = 0; i < sums.width; i++) total[i] = (total[i] as number) + (part[i] as number);
  }
  return total;
}

/**
 * Sums over the rows of x (at byte offset `x`, rows of `sums.width` columns) of x - shift, or of
 * its square: one split `channelMoments` pass. `heap` is the backend's heap buffer (a view's).
 */
export function splitMoments(
  backend: KernelBackend,
  simd: BatchNormKernels,
  heap: ArrayBufferLike,
  pass: { x: number; shift: number; sums: Partials; rows: number; squares: boolean },
): Float64Array {
  const { x, shift, sums, rows, squares } = pass;
  clearParts(heap, sums);
  runSplit(backend, simd, 3, 'channelMoments', rows, 1, (from, to, p) => [
    x,
    shift,
    sums.part(p),
    sums.width,
    squares ? 1 : 0,
    from,
    to,
  ]);
  return addParts(heap, sums);
}

/**
 * Column sums of `x` seen as `[rows, cols]` (a reduction over its leading axes), in float64:
 * one split pass of the SIMD module.
 */
export function columnSums(
  backend: KernelBackend,
  simd: BatchNormKernels,
  x: TensorInfo,
  rows: number,
  cols: number,
): Float64Array {
  const heapBackend = backend as unknown as HeapBackend;
  const temp = scratch(heapBackend, maxSplitParts(backend), cols, 1, cols);
  try {
    const at = temp.at();
    const heap = heapBackend.typedArrayFromHeap(x).buffer;
    new Float32Array(heap, at.vector(0), cols).fill(0);
    const pass = { x: heapAddress(heapBackend, x), shift: at.vector(0), sums: at.sums, rows };
    return splitMoments(backend, simd, heap, { ...pass, squares: false });
  } finally {
    backend.disposeData(temp.info.dataId);
  }
}
