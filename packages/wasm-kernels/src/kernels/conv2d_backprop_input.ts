import type { Conv2DBackpropInputAttrs, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelOps } from './call.js';
import { forwardConvInfo } from './conv_info.js';
import { paddedConv } from './padded_conv.js';
import { zeroUpsample } from './upsample.js';

/**
 * dX as a forward convolution (XNNPACK) of the zero-upsampled dy with the spatially flipped
 * filter whose in/out channels are swapped; padding (KH - 1 - top) on the leading sides
 * and whatever makes the result exactly H x W on the trailing ones.
 */
export function conv2DBackpropInput(
  backendName: string,
  args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: KernelBackend; attrs: Conv2DBackpropInputAttrs },
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
  const flipped = ops.call('Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = ops.call('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
  ops.release(flipped);
  const up = zeroUpsample(ops, dy, sh, sw);
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  const dx = paddedConv(ops, up, swapped, {
    pads: {
      top,
      bottom: h + kh - 1 - top - (up.shape[1] as number),
      left,
      right: w + kw - 1 - left - (up.shape[2] as number),
    },
    strides: [1, 1],
    dilations: [1, 1],
    depthwise: false,
  });
  ops.release(swapped);
  if (up !== dy) ops.release(up);
  return dx;
}
