import * as tf from '@tensorflow/tfjs-core';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import { integerAtLeast } from './validate.js';

export interface GeOptions {
  /** Gather extent e: 0 = global (GAP); e > 0 = average pool 2e − 1, stride e (default 0). */
  extent?: number;
}

/**
 * The source row PyTorch's `F.interpolate(mode='nearest')` reads for output row `dst` when
 * resizing `inSize` rows to `outSize` on float32 tensors: `min(floor(dst · scale), inSize − 1)`
 * with the scale and the product in float32 (ATen's `nearest_idx`), and shortcuts for equal and
 * doubled sizes. float32 matters: 14 rows resized to 92 give row 46 from row 6, where exact
 * arithmetic gives row 7 (tfjs's cpu resize computes in float64 and so differs there).
 */
export function nearestSourceIndex(dst: number, inSize: number, outSize: number): number {
  if (outSize === inSize) return dst;
  if (outSize === 2 * inSize) return dst >> 1;
  const scale = Math.fround(inSize / outSize);
  return Math.min(Math.floor(Math.fround(dst * scale)), inSize - 1);
}

/**
 * `[size, size]` matrix of one axis of θ⁻ with extent e: average pool (kernel 2e − 1, stride e,
 * padding e − 1 not counted), then nearest upsample back to `size`. Row i averages the window
 * of pooled position `nearestSourceIndex(i, ceil(size / e), size)`. The 2-D pool is separable
 * because a window's count of valid pixels is (valid rows) × (valid columns).
 */
export function gatherMatrix(size: number, extent: number): Float32Array {
  const pooled = Math.ceil(size / extent);
  const m = new Float32Array(size * size);
  for (let i = 0; i < size; i++) {
    const p = nearestSourceIndex(i, pooled, size);
    const from = Math.max(0, p * extent - (extent - 1));
    const to = Math.min(size - 1, p * extent + (extent - 1));
    for (let j = from; j <= to; j++) m[i * size + j] = 1 / (to - from + 1);
  }
  return m;
}

/** `a · x` along axis `axis` (1 = H, 2 = W) of an NHWC tensor, for a `[size, size]` matrix. */
function alongAxis(x: tf.Tensor4D, matrix: Float32Array, axis: 1 | 2): tf.Tensor4D {
  const perm = axis === 1 ? [1, 0, 2, 3] : [2, 1, 0, 3];
  const moved = tf.transpose(x, perm);
  const size = moved.shape[0];
  const a = tf.tensor2d(matrix, [size, size]);
  const mixed = tf.matMul(a, tf.reshape(moved, [size, -1]));
  return tf.transpose(tf.reshape(mixed, moved.shape), perm);
}

/**
 * Gather-excite θ⁻ (Hu et al. 2018), parameter-free: gather each channel's context by average
 * pooling (global for extent 0), excite with a sigmoid of it, resized back to H×W:
 * extent 0 → `y = x·σ(GAP x)`; extent e → `y = x·σ(up(avgpool_{2e−1, stride e}(x)))`.
 * tfjs's avgPool cannot serve: its gradient divides by the whole window even where the forward
 * pass leaves padding out, and its nearest resize differs by backend; both are matrices here.
 */
export class SevarGatherExcite extends AttentionLayer {
  static className = 'SevarGatherExcite';
  static readonly key = 'ge';
  static readonly optionNames = ['extent'] as const;
  readonly extent: number;

  constructor(args: GeOptions & BaseLayerArgs = {}) {
    super(args);
    this.extent = integerAtLeast('ge', 'extent', args.extent ?? 0, 0);
  }

  parameterCount(_channels?: number): number {
    return 0;
  }

  protected buildWeights(): void {}

  /** The gate σ(gathered context), `[N, 1, 1, C]` for extent 0, else `[N, H, W, C]`. */
  private gate(x: tf.Tensor4D): tf.Tensor4D {
    if (this.extent === 0) return tf.sigmoid(tf.mean(x, [1, 2], true) as tf.Tensor4D);
    const [, h, w] = x.shape;
    const rows = alongAxis(x, gatherMatrix(h, this.extent), 1);
    return tf.sigmoid(alongAxis(rows, gatherMatrix(w, this.extent), 2));
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(x, this.gate(x));
  }

  /**
   * Extent 0: the channel gate `[N, C]`. Extent e > 0, where the gate varies over both: its
   * mean over H, W as `channel` and its mean over channels as `spatial`.
   */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return tf.tidy(() => {
      const g = this.gate(this.checkedInput(x));
      const channel = tf.mean(g, [1, 2]) as tf.Tensor2D;
      if (this.extent === 0) return { channel };
      return { channel, spatial: tf.mean(g, 3) as tf.Tensor3D };
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), extent: this.extent };
  }
}
tf.serialization.registerClass(SevarGatherExcite);

export const geDefinition = defineAttention<GeOptions>({
  key: 'ge',
  title: 'Gather-excite θ⁻',
  citation: 'Hu et al., Gather-Excite, NeurIPS 2018 (arXiv 1810.12348)',
  kind: 'parameter-free',
  computes: 'y = x·σ(up(avgpool(x))): GAP for extent 0, else pool 2e − 1, stride e, nearest up',
  options: [
    {
      name: 'extent',
      default: '0',
      description: '0: global; e > 0: average pool 2e − 1, stride e, padding e − 1 not counted',
    },
  ],
  layerClass: SevarGatherExcite,
});
