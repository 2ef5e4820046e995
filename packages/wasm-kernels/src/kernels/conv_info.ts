import { backend_util } from '@tensorflow/tfjs-core';
import { TrainingKernelError } from '../errors.js';

type Conv2DInfo = backend_util.Conv2DInfo;
type PadAttr = Parameters<typeof backend_util.computeConv2DInfo>[4];
type RoundingAttr = Parameters<typeof backend_util.computeConv2DInfo>[5];

/** The geometry of the forward convolution whose gradient a kernel computes (NHWC only). */
export function forwardConvInfo(
  kernelName: string,
  inShape: number[],
  filterShape: number[],
  strides: number | [number, number],
  dilations: number | [number, number],
  pad: PadAttr,
  dimRoundingMode: RoundingAttr,
  depthwise: boolean,
  dataFormat: string | undefined,
): Conv2DInfo {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new TrainingKernelError({
      subject: `@sevar/wasm-kernels ${kernelName}: dataFormat`,
      expected: "'NHWC' (the wasm backend's forward convolution is channels-last only)",
      received: dataFormat,
    });
  }
  if (inShape.length !== 4 || filterShape.length !== 4) {
    throw new TrainingKernelError({
      subject: `@sevar/wasm-kernels ${kernelName}`,
      expected: 'a rank-4 input and filter',
      received: { input: inShape, filter: filterShape },
    });
  }
  return backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}
