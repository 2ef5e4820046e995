import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelOps } from './call.js';

/**
 * Inserts `s - 1` zeros after every row/col of an NHWC tensor (a transposed convolution's
 * "fractional stride"), as one pad of a 6-D view; the trailing zeros are counted by the
 * caller. Returns the input itself (not a copy) for stride 1.
 */
export function zeroUpsample(ops: KernelOps, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const view = ops.call('Reshape', { x }, { shape: [n, h, 1, w, 1, c] });
  const padded = ops.call(
    'PadV2',
    { x: view },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  ops.release(view);
  const out = ops.call('Reshape', { x: padded }, { shape: [n, h * sh, w * sw, c] });
  ops.release(padded);
  return out;
}
