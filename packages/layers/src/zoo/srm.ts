import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import type { BatchNormWeights } from '../batch-norm.js';
import { preciseSigmoid } from './sigmoid.js';

/** SRM takes no options beyond the tfjs layer arguments. */
export type SrmOptions = Record<never, never>;

/** Added to the variance under the square root, as in the official code. */
const STD_EPSILON = 1e-5;

/**
 * SRM, style-based recalibration (Lee et al. 2019), after the authors' code: per channel the
 * mean `μ` over H·W and the standard deviation `s = sqrt(var + 1e-5)` with the UNBIASED variance
 * (÷ (H·W − 1), so H·W ≥ 2); `z = cfc[c, 0]·μ + cfc[c, 1]·s`; `y = x·σ(BN(z))`, the batch norm
 * over the channels with statistics over the batch. Weights: cfc `[C, 2]` (zeros, as in the
 * official code), BN γ, β `[C]`, BN mean, var.
 */
export class SevarSrm extends AttentionLayer {
  static className = 'SevarSrm';
  static readonly key = 'srm';
  static readonly optionNames = [] as const;
  private cfc: tfl.LayerVariable | null = null;
  private bn: BatchNormWeights | null = null;

  constructor(args: SrmOptions & BaseLayerArgs = {}) {
    super(args);
  }

  parameterCount(channels: number): number {
    return 4 * channels;
  }

  protected buildWeights(channels: number): void {
    this.cfc = this.addTrainable('cfc', [channels, 2], 'zeros');
    this.bn = this.addBatchNorm('bn', channels);
  }

  protected override spatialRequirement(
    height: number | null,
    width: number | null,
  ): string | null {
    if (height === null || width === null || height * width >= 2) return null;
    return 'H·W ≥ 2 (the unbiased variance over H·W divides by H·W − 1)';
  }

  /** σ(BN(z)): `[N, C]`. */
  private gate(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    const [, h, w] = x.shape;
    const { mean, variance } = tf.moments(x, [1, 2]);
    const unbiased = tf.mul(variance, (h * w) / (h * w - 1));
    const std = tf.sqrt(tf.add(unbiased, STD_EPSILON));
    const [w0, w1] = tf.unstack(this.cfc!.read(), 1);
    const z = tf.add(tf.mul(mean, w0!), tf.mul(std, w1!)) as tf.Tensor2D;
    return preciseSigmoid(this.batchNorm(this.bn!, z, training));
  }

  protected forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (training && x.shape[0] < 2) {
      // Batch norm over one sample: every z becomes β and the moving variance decays to 0.
      this.inputError(
        'a batch of at least 2 samples in training (the batch norm normalises each channel over the batch)',
        x.shape,
      );
    }
    return tf.mul(x, tf.reshape(this.gate(x, training), [-1, 1, 1, this.channels!]));
  }

  /** The channel gate σ(BN(z)) `[N, C]` (inference BN). */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return { channel: tf.tidy(() => this.gate(this.checkedInput(x), false)) };
  }
}
tf.serialization.registerClass(SevarSrm);

export const srmDefinition = defineAttention<SrmOptions>({
  key: 'srm',
  title: 'SRM: style-based recalibration module',
  citation: 'Lee et al., SRM, ICCV 2019 (arXiv 1903.10829)',
  kind: 'channel',
  computes:
    'z = w0·mean_HW x + w1·sqrt(unbiased var_HW x + 1e-5) per channel; y = x·σ(BN(z)); H·W ≥ 2',
  options: [],
  layerClass: SevarSrm,
});
