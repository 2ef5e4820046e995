import type { Conv2DBackpropInputAttrs, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelOps } from './call.js';
import type { KernelOps } from './call.js';
import { forwardConvInfo } from './conv_info.js';
import { exactPhaseFilters, flipSwapFilter, phaseFilter } from './flip_filter.js';
import type { HeapBackend } from './heap.js';
import { paddedConv } from './padded_conv.js';
import { zeroUpsample } from './upsample.js';

/**
 * dX as forward convolutions (XNNPACK). Stride 1: dy convolved with the spatially flipped,
 * in/out-swapped filter, leading padding (KH - 1 - top). Strided: see `phasedInputGrad`.
 */
export function conv2DBackpropInput(
  backendName: string,
  args: {
    inputs: { dy: TensorInfo; filter: TensorInfo };
    backend: KernelBackend;
    attrs: Conv2DBackpropInputAttrs;
  },
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const ops = kernelOps(backendName, backend);
  const info = forwardConvInfo(
    'Conv2DBackpropInput',
    attrs.inputShape,
    filter.shape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    attrs.dataFormat,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { inHeight: h, inWidth: w, padInfo } = info;
  if ((sh > 1 || sw > 1) && kh === 1 && kw === 1) return pointwiseInputGrad(ops, dy, filter, info);
  if (sh > 1 || sw > 1) return phasedInputGrad(ops, dy, filter, info);
  const swapped = flipSwapFilter(ops, filter);
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  const dx = paddedConv(ops, dy, swapped, {
    pads: {
      top,
      bottom: h + kh - 1 - top - (dy.shape[1] as number),
      left,
      right: w + kw - 1 - left - (dy.shape[2] as number),
    },
    strides: [1, 1],
    dilations: [1, 1],
    depthwise: false,
  });
  ops.release(swapped);
  return dx;
}

type ConvInfo = ReturnType<typeof forwardConvInfo>;

/**
 * Strided 1x1 dX (ResNet shortcuts): only every s-th row/col of dx is non-zero, so multiply
 * dy by the transposed filter once and spread the result with zeros, instead of running
 * s*s phases of which all but one are zero.
 */
function pointwiseInputGrad(
  ops: KernelOps,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { strideHeight: sh, strideWidth: sw, batchSize: n, inHeight: h, inWidth: w } = info;
  const { inChannels: ci, outChannels: co, padInfo } = info;
  const [oh, ow] = [dy.shape[1] as number, dy.shape[2] as number];
  const rows = ops.call('Reshape', { x: dy }, { shape: [n * oh * ow, co] });
  const weights = ops.call('Reshape', { x: filter }, { shape: [ci, co] });
  const product = ops.call(
    'BatchMatMul',
    { a: rows, b: weights },
    { transposeA: false, transposeB: true },
  );
  ops.release(rows, weights);
  // Row q = oh*s + r of the spread grid holds input row q - top; r > 0 rows stay zero.
  const extraH = Math.max(0, padInfo.top + h - oh * sh);
  const extraW = Math.max(0, padInfo.left + w - ow * sw);
  const product4d = ops.call('Reshape', { x: product }, { shape: [n, oh, ow, ci] });
  ops.release(product);
  const grid = zeroUpsample(ops, product4d, sh, sw);
  if (grid !== product4d) ops.release(product4d);
  let full = grid;
  if (extraH > 0 || extraW > 0) {
    full = ops.call(
      'PadV2',
      { x: grid },
      {
        paddings: [
          [0, 0],
          [0, extraH],
          [0, extraW],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    ops.release(grid);
  }
  if (padInfo.top === 0 && padInfo.left === 0 && full.shape[1] === h && full.shape[2] === w)
    return full;
  const dx = ops.call(
    'Slice',
    { x: full },
    { begin: [0, padInfo.top, padInfo.left, 0], size: [n, h, w, ci] },
  );
  ops.release(full);
  return dx;
}

/**
 * Strided dX without multiplying zeros: input row q = h + top = s*a + r only meets filter
 * taps r, r + s, r + 2s, ..., so each of the s_h*s_w phases is a stride-1 correlation of dy
 * with a sub-filter of ceil(K / s) taps. All phases run as ONE convolution whose output
 * channels are (phase_h, phase_w, Ci); a depth-to-space transpose interleaves them and a
 * slice drops the `top`/`left` padding rows.
 */
function phasedInputGrad(
  ops: KernelOps,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, padInfo } = info;
  const [oh, ow] = [dy.shape[1] as number, dy.shape[2] as number];
  const exact = dy.dtype === 'float32' ? exactPhaseFilters(ops, filter, sh, sw) : null;
  if (exact !== null) return exactPhasesInputGrad(ops, dy, exact, info);
  const jh = Math.ceil(kh / sh);
  const jw = Math.ceil(kw / sw);
  const phaseFilterInfo = phaseFilter(ops, filter, sh, sw);
  const ah = Math.ceil((padInfo.top + h) / sh);
  const aw = Math.ceil((padInfo.left + w) / sw);
  const phases = paddedConv(ops, dy, phaseFilterInfo, {
    pads: { top: jh - 1, bottom: ah - oh, left: jw - 1, right: aw - ow },
    strides: [1, 1],
    dilations: [1, 1],
    depthwise: false,
  });
  ops.release(phaseFilterInfo);
  const byPhase = ops.call('Reshape', { x: phases }, { shape: [n, ah, aw, sh, sw, ci] });
  ops.release(phases);
  const interleaved = ops.call('Transpose', { x: byPhase }, { perm: [0, 1, 3, 2, 4, 5] });
  ops.release(byPhase);
  const full = ops.call('Reshape', { x: interleaved }, { shape: [n, ah * sh, aw * sw, ci] });
  ops.release(interleaved);
  if (padInfo.top === 0 && padInfo.left === 0 && ah * sh === h && aw * sw === w) return full;
  const dx = ops.call(
    'Slice',
    { x: full },
    { begin: [0, padInfo.top, padInfo.left, 0], size: [n, h, w, ci] },
  );
  ops.release(full);
  return dx;
}

/**
 * `phasedInputGrad` on the wasm heap: one convolution per phase with that phase's own taps
 * (`exactPhaseFilters`), each written straight to its rows and columns of dx (no zero taps, no
 * interleaving transpose). A phase's output row a is dx row sh·a + rh - top.
 */
function exactPhasesInputGrad(
  ops: KernelOps,
  dy: TensorInfo,
  phases: NonNullable<ReturnType<typeof exactPhaseFilters>>,
  info: ConvInfo,
): TensorInfo {
  const { strideHeight: sh, strideWidth: sw, batchSize: n, inHeight: h, inWidth: w } = info;
  const { inChannels: ci, padInfo } = info;
  const [oh, ow] = [dy.shape[1] as number, dy.shape[2] as number];
  const ah = Math.ceil((padInfo.top + h) / sh);
  const aw = Math.ceil((padInfo.left + w) / sw);
  const heap = ops.backend as unknown as HeapBackend;
  const dx = heap.makeOutput([n, h, w, ci], 'float32');
  (heap.typedArrayFromHeap(dx) as Float32Array).fill(0);
  phases.forEach(({ filter, jh, jw }, p) => {
    if (filter === null) return;
    const rh = Math.floor(p / sw);
    const rw = p % sw;
    const y = paddedConv(ops, dy, filter, {
      pads: { top: jh - 1, bottom: ah - oh, left: jw - 1, right: aw - ow },
      strides: [1, 1],
      dilations: [1, 1],
      depthwise: false,
    });
    ops.release(filter);
    // Copies within the heap (copyWithin: no view object per row, as `set(subarray)` needs).
    const src = heap.typedArrayFromHeap(y) as Float32Array;
    const bytes = new Uint8Array(src.buffer);
    // Views after the phase's convolution: an allocation may have grown (and moved) the heap.
    const outAt = heap.typedArrayFromHeap(dx).byteOffset;
    const [srcAt, rowBytes] = [src.byteOffset, ci * 4];
    // Rows and columns of this phase that land inside dx (the rest is padding).
    const a0 = Math.max(0, Math.ceil((padInfo.top - rh) / sh));
    const a1 = Math.min(ah, Math.ceil((padInfo.top + h - rh) / sh));
    const c0 = Math.max(0, Math.ceil((padInfo.left - rw) / sw));
    const c1 = Math.min(aw, Math.ceil((padInfo.left + w - rw) / sw));
    for (let b = 0; b < n; b++) {
      for (let a = a0; a < a1; a++) {
        const row = (b * h + sh * a + rh - padInfo.top) * w;
        for (let c = c0; c < c1; c++) {
          const from = srcAt + ((b * ah + a) * aw + c) * rowBytes;
          bytes.copyWithin(
            outAt + (row + sw * c + rw - padInfo.left) * rowBytes,
            from,
            from + rowBytes,
          );
        }
      }
    }
    ops.release(y);
  });
  return dx;
}
