import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelOps } from './call.js';

/** Per-side padding of a 2-D convolution; a negative side means "drop that many rows/cols". */
export interface SidePads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface PaddedConvParams {
  pads: SidePads;
  strides: [number, number];
  dilations: [number, number];
  /** DepthwiseConv2dNative instead of Conv2D. */
  depthwise: boolean;
}

/**
 * A forward convolution (NHWC) with arbitrary per-side padding. XNNPACK accepts only
 * non-negative padding, so rows and columns a negative side drops are cropped first.
 */
export function paddedConv(
  ops: KernelOps,
  x: TensorInfo,
  filter: TensorInfo,
  { pads, strides, dilations, depthwise }: PaddedConvParams,
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const cropTop = Math.max(0, -pads.top);
  const cropBottom = Math.max(0, -pads.bottom);
  const cropLeft = Math.max(0, -pads.left);
  const cropRight = Math.max(0, -pads.right);
  let input = x;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    input = ops.call(
      'Slice',
      { x },
      {
        begin: [0, cropTop, cropLeft, 0],
        size: [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c],
      },
    );
  }
  const pad = [
    [0, 0],
    [Math.max(0, pads.top), Math.max(0, pads.bottom)],
    [Math.max(0, pads.left), Math.max(0, pads.right)],
    [0, 0],
  ];
  const out = ops.call(
    depthwise ? 'DepthwiseConv2dNative' : 'Conv2D',
    { x: input, filter },
    { strides, dilations, pad, dataFormat: 'NHWC' },
  );
  if (input !== x) ops.release(input);
  return out;
}
