import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  KernelBackend,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { kernelOps } from './call.js';
import { forwardConvInfo } from './conv_info.js';
import { paddedConv } from './padded_conv.js';

/**
 * Depthwise dW as one depthwise convolution: x seen as one image with N*C channels
 * ([1, H, W, N*C]), dy as an [OH, OW, N*C, M] filter (channel multiplier M), strides and
 * dilations swapped; the [1, KH, KW, N*C*M] result is summed over the batch.
 */
export function depthwiseConv2dNativeBackpropFilter(
  backendName: string,
  args: {
    inputs: { x: TensorInfo; dy: TensorInfo };
    backend: KernelBackend;
    attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
  },
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const ops = kernelOps(backendName, backend);
  const info = forwardConvInfo(
    'DepthwiseConv2dNativeBackpropFilter',
    x.shape,
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    undefined,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw, padInfo } = info;
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: c,
    outHeight: oh,
    outWidth: ow,
  } = info;
  const m = info.outChannels / c;
  const xT = ops.call('Transpose', { x }, { perm: [1, 2, 0, 3] });
  const xView = ops.call('Reshape', { x: xT }, { shape: [1, h, w, n * c] });
  ops.release(xT);
  const dyT = ops.call('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const dyView = ops.call('Reshape', { x: dyT }, { shape: [oh, ow, n * c, m] });
  ops.release(dyT);
  const paddedH = (kh - 1) * dh + (oh - 1) * sh + 1;
  const paddedW = (kw - 1) * dw + (ow - 1) * sw + 1;
  const perImage = paddedConv(ops, xView, dyView, {
    pads: {
      top: padInfo.top,
      bottom: paddedH - padInfo.top - h,
      left: padInfo.left,
      right: paddedW - padInfo.left - w,
    },
    strides: [dh, dw],
    dilations: [sh, sw],
    depthwise: true,
  });
  ops.release(xView, dyView);
  const byImage = ops.call('Reshape', { x: perImage }, { shape: [kh, kw, n, c * m] });
  ops.release(perImage);
  const summed = ops.call('Sum', { x: byImage }, { axis: [2], keepDims: false });
  ops.release(byImage);
  const out = ops.call('Reshape', { x: summed }, { shape: [kh, kw, c, m] });
  ops.release(summed);
  return out;
}
