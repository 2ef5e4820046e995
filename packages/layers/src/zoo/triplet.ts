import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import type { BatchNormWeights } from '../batch-norm.js';
import { preciseSigmoid } from './sigmoid.js';
import { oddKernelSize } from './validate.js';

export interface TripletOptions {
  /** Width k of each branch's k×k convolution (odd; default 7). */
  kernelSize?: number;
}

interface Branch {
  kernel: tfl.LayerVariable;
  bn: BatchNormWeights;
}

/** The three gates, each shaped to broadcast against the NHWC input. */
interface Gates {
  /** (C, W) branch, pooled over H: `[N, 1, W, C]`. */
  cw: tf.Tensor4D;
  /** (H, C) branch, pooled over W: `[N, H, 1, C]`. */
  hc: tf.Tensor4D;
  /** (H, W) branch, pooled over C: `[N, H, W, 1]`. */
  hw: tf.Tensor4D;
}

/**
 * Triplet attention (Misra et al. 2021), as the authors' code computes it: three branches, each
 * looking at the input rotated so that one axis becomes the channel axis: (C, W) with H pooled,
 * (H, C) with W pooled, (H, W) with C pooled. Each Z-pools (`concat[max, mean]` over the pooled
 * axis, max first), convolves the 2-channel map with a k×k kernel (2 → 1, no bias, zero padding
 * (k − 1)/2), batch-normalises it and gates the input with its sigmoid; `y` is the mean of the
 * three gated inputs. Weights: per branch (cw, hc, hw) conv `[k, k, 2, 1]`, BN γ, β `[1]`; then
 * the three BN moving means and variances.
 */
export class SevarTriplet extends AttentionLayer {
  static className = 'SevarTriplet';
  static readonly key = 'triplet';
  static readonly optionNames = ['kernelSize'] as const;
  readonly kernelSize: number;
  private branches: Branch[] = [];

  constructor(args: TripletOptions & BaseLayerArgs = {}) {
    super(args);
    this.kernelSize = oddKernelSize('triplet', 'kernelSize', args.kernelSize ?? 7);
  }

  parameterCount(_channels?: number): number {
    return 3 * (this.kernelSize * this.kernelSize * 2 + 2);
  }

  protected buildWeights(): void {
    const k = this.kernelSize;
    this.branches = ['cw', 'hc', 'hw'].map((name) => ({
      kernel: this.addTrainable(`${name}/kernel`, [k, k, 2, 1], 'glorotUniform'),
      bn: this.addBatchNorm(`${name}/bn`, 1),
    }));
  }

  /**
   * σ(BN(conv(Z-pool))) of one branch. `image` is the rotated input `[N, rows, cols, pooled]`
   * (the pooled axis last): the gate is `[N, rows, cols, 1]`.
   */
  private gate(branch: Branch, image: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const pooled = tf.concat([tf.max(image, 3, true), tf.mean(image, 3, true)], 3);
    const z = tf.conv2d(pooled as tf.Tensor4D, branch.kernel.read() as tf.Tensor4D, 1, 'same');
    return preciseSigmoid(this.batchNorm(branch.bn, z, training));
  }

  private gates(x: tf.Tensor4D, training: boolean): Gates {
    const [cw, hc, hw] = this.branches as [Branch, Branch, Branch];
    const [n, h, w, c] = x.shape;
    // (C, W) plane, H pooled: [N, C, W, H]; its gate [N, C, W, 1] back to [N, 1, W, C].
    const gCw = this.gate(cw, tf.transpose(x, [0, 3, 2, 1]), training);
    // (H, C) plane, W pooled: [N, H, C, W]; its gate [N, H, C, 1] back to [N, H, 1, C].
    const gHc = this.gate(hc, tf.transpose(x, [0, 1, 3, 2]), training);
    return {
      cw: tf.reshape(tf.transpose(gCw, [0, 3, 2, 1]), [n, 1, w, c]),
      hc: tf.reshape(gHc, [n, h, 1, c]),
      hw: this.gate(hw, x, training),
    };
  }

  protected forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const g = this.gates(x, training);
    const sum = tf.add(tf.add(tf.mul(x, g.hw), tf.mul(x, g.cw)), tf.mul(x, g.hc));
    return tf.mul(sum, 1 / 3);
  }

  /**
   * `spatial`: the (H, W) branch's gate. `channel`: the mean of the (C, W) gate over W and the
   * (H, C) gate over H, the two gates that vary with the channel (inference statistics).
   */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return tf.tidy(() => {
      const g = this.gates(this.checkedInput(x), false);
      const channel = tf.div(tf.add(tf.mean(g.cw, [1, 2]), tf.mean(g.hc, [1, 2])), 2);
      return { channel: channel as tf.Tensor2D, spatial: tf.squeeze(g.hw, [3]) as tf.Tensor3D };
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize };
  }
}
tf.serialization.registerClass(SevarTriplet);

export const tripletDefinition = defineAttention<TripletOptions>({
  key: 'triplet',
  title: 'Triplet attention',
  citation: 'Misra et al., Rotate to Attend, WACV 2021 (arXiv 2010.03045)',
  kind: 'channel+spatial',
  computes: 'mean of three branches over the (C,W), (H,C), (H,W) planes: x·σ(BN(conv k×k(Z-pool)))',
  options: [{ name: 'kernelSize', default: '7', description: 'odd width k of the k×k convs' }],
  layerClass: SevarTriplet,
});
