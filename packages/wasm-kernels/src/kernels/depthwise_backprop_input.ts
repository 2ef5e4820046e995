import type {
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelBackend,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { kernelOps } from './call.js';
import { forwardConvInfo } from './conv_info.js';
import { paddedConv } from './padded_conv.js';
import { zeroUpsample } from './upsample.js';

/**
 * Depthwise dX as a depthwise convolution of the zero-upsampled dy (C*M channels, multiplier
 * 1) with the flipped filter viewed as [KH, KW, C*M, 1], then a sum over the multiplier.
 */
export function depthwiseConv2dNativeBackpropInput(
  backendName: string,
  args: {
    inputs: { dy: TensorInfo; filter: TensorInfo };
    backend: KernelBackend;
    attrs: DepthwiseConv2dNativeBackpropInputAttrs;
  },
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const ops = kernelOps(backendName, backend);
  const info = forwardConvInfo(
    'DepthwiseConv2dNativeBackpropInput',
    attrs.inputShape,
    filter.shape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    undefined,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw, padInfo } = info;
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  const m = info.outChannels / c;
  const flipped = ops.call('Reverse', { x: filter }, { dims: [0, 1] });
  const flat = ops.call('Reshape', { x: flipped }, { shape: [kh, kw, c * m, 1] });
  ops.release(flipped);
  const up = zeroUpsample(ops, dy, sh, sw);
  const top = (kh - 1) * dh - padInfo.top;
  const left = (kw - 1) * dw - padInfo.left;
  const perMultiplier = paddedConv(ops, up, flat, {
    pads: {
      top,
      bottom: h + (kh - 1) * dh - top - (up.shape[1] as number),
      left,
      right: w + (kw - 1) * dw - left - (up.shape[2] as number),
    },
    strides: [1, 1],
    dilations: [dh, dw],
    depthwise: true,
  });
  ops.release(flat);
  if (up !== dy) ops.release(up);
  if (m === 1) return perMultiplier;
  const split = ops.call('Reshape', { x: perMultiplier }, { shape: [n, h, w, c, m] });
  ops.release(perMultiplier);
  const summed = ops.call('Sum', { x: split }, { axis: [4], keepDims: false });
  ops.release(split);
  return summed;
}
