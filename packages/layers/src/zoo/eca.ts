import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import { oddKernelSize } from './validate.js';

export interface EcaOptions {
  /** Width k of the 1-D convolution across channels (odd; default adaptive to C). */
  kernelSize?: number;
}

/** ECA-Net's adaptive kernel width: `t = floor(|log2(C) + 1| / 2)`, made odd upwards. */
export function ecaKernelSize(channels: number): number {
  const t = Math.floor(Math.abs(Math.log2(channels) + 1) / 2);
  return t % 2 === 1 ? t : t + 1;
}

/**
 * ECA (Wang et al. 2020): `y = x · σ(conv1d_k(GAP x))`, the convolution running across the
 * channels with zero padding (k − 1) / 2 and no bias. Weight: kernel `[k, 1, 1]`.
 */
export class SevarEca extends AttentionLayer {
  static className = 'SevarEca';
  static readonly key = 'eca';
  static readonly optionNames = ['kernelSize'] as const;
  /** The configured kernel size, or `null` for adaptive. */
  readonly kernelSize: number | null;
  private kernel: tfl.LayerVariable | null = null;

  constructor(args: EcaOptions & BaseLayerArgs = {}) {
    super(args);
    this.kernelSize =
      args.kernelSize === undefined || args.kernelSize === null
        ? null
        : oddKernelSize('eca', 'kernelSize', args.kernelSize);
  }

  /** The kernel width used for `channels` input channels. */
  kernelSizeFor(channels: number): number {
    return this.kernelSize ?? ecaKernelSize(channels);
  }

  parameterCount(channels: number): number {
    return this.kernelSizeFor(channels);
  }

  protected buildWeights(channels: number): void {
    this.kernel = this.addTrainable('kernel', [this.kernelSizeFor(channels), 1, 1], 'heUniform');
  }

  private gate(x: tf.Tensor4D): tf.Tensor2D {
    const s = tf.reshape(tf.mean(x, [1, 2]), [-1, this.channels!, 1]) as tf.Tensor3D;
    const z = tf.conv1d(s, this.kernel!.read() as tf.Tensor3D, 1, 'same');
    return tf.sigmoid(tf.reshape(z, [-1, this.channels!])) as tf.Tensor2D;
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(x, tf.reshape(this.gate(x), [-1, 1, 1, this.channels!]));
  }

  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return { channel: tf.tidy(() => this.gate(this.checkedInput(x))) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize };
  }
}
tf.serialization.registerClass(SevarEca);

export const ecaDefinition = defineAttention<EcaOptions>({
  key: 'eca',
  title: 'ECA-Net: efficient channel attention',
  citation: 'Wang et al., ECA-Net, CVPR 2020 (arXiv 1910.03151)',
  kind: 'channel',
  computes: 'y = x·σ(conv1d_k(GAP x)) across channels, no bias',
  options: [
    {
      name: 'kernelSize',
      default: 'adaptive',
      description: 'odd width k; adaptive: t = floor(|log2 C + 1| / 2), k = t if odd else t + 1',
    },
  ],
  layerClass: SevarEca,
});
