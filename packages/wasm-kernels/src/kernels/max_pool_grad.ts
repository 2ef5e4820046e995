import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelBackend, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { TrainingKernelError } from '../errors.js';
import { asHeapBackend, f32 } from './heap.js';
import { heapAddress, simdKernels } from './simd.js';
import { runSplit } from './kernel_threads.js';

/**
 * MaxPoolGrad over the wasm heap in one pass: each window's first maximum (row-major, strict
 * `>`, as the cpu backend and TensorFlow pick it) receives that window's dy, in wasm SIMD
 * (assembly/kernels.ts) or, where that module cannot run, in JS. Replaces the
 * stock wasm kernel, which starts its search at FLT_MIN and so drops the gradient of every
 * window whose maximum is <= 0, and which runs several times slower.
 */
export function maxPoolGrad(
  _backendName: string,
  args: {
    inputs: { dy: TensorInfo; input: TensorInfo };
    backend: KernelBackend;
    attrs: MaxPoolGradAttrs;
  },
): TensorInfo {
  const { inputs, attrs } = args;
  const { dy, input } = inputs;
  const backend = asHeapBackend(args.backend, 'MaxPoolGrad');
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new TrainingKernelError({
      subject: '@sevar/wasm-kernels MaxPoolGrad',
      expected: 'float32 input and dy',
      received: { input: input.dtype, dy: dy.dtype },
    });
  }
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
  } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const out = backend.makeOutput(input.shape, 'float32');
  const simd = simdKernels(args.backend);
  if (simd !== null) {
    // Split by image over the kernel threads: each part zeroes and fills its own images.
    runSplit(args.backend, simd, 2, 'maxPoolGrad', n, 1, (from, to) => [
      heapAddress(backend, input),
      heapAddress(backend, dy),
      heapAddress(backend, out),
      n,
      h,
      w,
      c,
      oh,
      ow,
      kh,
      kw,
      sh,
      sw,
      padInfo.top,
      padInfo.left,
      from,
      to,
    ]);
    return out;
  }
  // Views are taken after the allocation above, which may grow (and detach) the heap.
  maxPoolGradJs(f32(backend, input), f32(backend, dy), f32(backend, out), info);
  return out;
}

/**
 * The JS path: adds each window's dy to its first maximum in `dx`. Channel-outer within each
 * window: the running maximum lives in locals, not in arrays that would be reset for every
 * window (that reset and the array traffic were most of the time).
 */
function maxPoolGradJs(
  x: Float32Array,
  g: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh } = info;
  const { outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: kh } = info;
  const { filterWidth: kw, padInfo } = info;
  dx.fill(0);
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      const r0 = Math.max(0, yr * sh - padInfo.top);
      const r1 = Math.min(h, yr * sh - padInfo.top + kh);
      for (let yc = 0; yc < ow; yc++) {
        const c0 = Math.max(0, yc * sw - padInfo.left);
        const c1 = Math.min(w, yc * sw - padInfo.left + kw);
        const gBase = ((b * oh + yr) * ow + yc) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let r = r0; r < r1; r++) {
            let pos = ((b * h + r) * w + c0) * c + ch;
            for (let q = c0; q < c1; q++, pos += c) {
              const v = x[pos] as number;
              if (v > best) {
                best = v;
                at = pos;
              }
            }
          }
          if (at >= 0) dx[at] = (dx[at] as number) + (g[gBase + ch] as number);
        }
      }
    }
  }
}
