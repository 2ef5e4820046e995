import type { Conv2DBackpropFilterAttrs, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelOps } from './call.js';
import { forwardConvInfo } from './conv_info.js';
import { asHeapBackend } from './heap.js';
import { paddedConv } from './padded_conv.js';
import { heapAddress, simdKernels } from './simd.js';
import { runSplit } from './kernel_threads.js';
import { winogradFilterGradient, winogradGradFor, winogradPlan } from './winograd.js';

/**
 * dW of a 3x3 stride-1 convolution by Winograd where it qualifies (see `winogradPlan`); other
 * shapes in one pass of the SIMD implicit-im2col kernel (assembly/kernels.ts) on wasm. Elsewhere
 * (the cpu backend, a wasm runtime without SIMD) as ONE forward convolution: x seen as a batch of Ci images with N channels
 * ([Ci, H, W, N]) convolved with dy seen as an [OH, OW, N, Co] filter. The roles of stride
 * and dilation swap (dilation 1 in the forward pass, see tfjs's Conv2D gradient), and the
 * bottom/right padding makes the result exactly KH x KW.
 */
export function conv2DBackpropFilter(
  backendName: string,
  args: {
    inputs: { x: TensorInfo; dy: TensorInfo };
    backend: KernelBackend;
    attrs: Conv2DBackpropFilterAttrs;
  },
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const ops = kernelOps(backendName, backend);
  const info = forwardConvInfo(
    'Conv2DBackpropFilter',
    x.shape,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    attrs.dataFormat,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, padInfo } = info;
  // 3x3 stride 1: the adjoint Winograd F(4x4,3x3) transforms around 36 XNNPACK GEMMs.
  const plan = dy.dtype === 'float32' ? winogradPlan(x, attrs.filterShape, attrs, backend) : null;
  const winograd = plan === null ? null : winogradGradFor(ops);
  if (plan !== null && winograd !== null) return winogradFilterGradient(ops, winograd, x, dy, plan);
  const simd = simdKernels(backend);
  if (simd !== null && x.dtype === 'float32' && dy.dtype === 'float32') {
    const heap = asHeapBackend(backend, 'Conv2DBackpropFilter');
    const out = heap.makeOutput([...attrs.filterShape], 'float32');
    (heap.typedArrayFromHeap(out) as Float32Array).fill(0);
    // Split by input channel over the kernel threads: each part owns its rows of every tap.
    runSplit(backend, simd, 2, 'conv2dBackpropFilter', info.inChannels, 2, (from, to) => [
      heapAddress(heap, x),
      heapAddress(heap, dy),
      heapAddress(heap, out),
      info.batchSize,
      h,
      w,
      info.inChannels,
      oh,
      ow,
      info.outChannels,
      kh,
      kw,
      sh,
      sw,
      info.dilationHeight,
      info.dilationWidth,
      padInfo.top,
      padInfo.left,
      from,
      to,
    ]);
    return out;
  }
  const xT = ops.call('Transpose', { x }, { perm: [3, 1, 2, 0] });
  const dyT = ops.call('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const paddedH = kh + (oh - 1) * sh;
  const paddedW = kw + (ow - 1) * sw;
  const dwT = paddedConv(ops, xT, dyT, {
    pads: {
      top: padInfo.top,
      bottom: paddedH - padInfo.top - h,
      left: padInfo.left,
      right: paddedW - padInfo.left - w,
    },
    strides: [1, 1],
    dilations: [sh, sw],
    depthwise: false,
  });
  ops.release(xT, dyT);
  const dw = ops.call('Transpose', { x: dwT }, { perm: [1, 2, 0, 3] });
  ops.release(dwT);
  return dw;
}
