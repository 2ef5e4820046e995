import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';

/** eSE takes no options beyond the tfjs layer arguments. */
export type EseOptions = Record<never, never>;

/**
 * Effective squeeze-excitation (Lee & Park 2020, VoVNetV2): one FC (a 1x1 conv) C → C with bias
 * on the GAP vector, no reduction, and a hard-sigmoid gate `relu6(v + 3) / 6`:
 * `y = x · hsigmoid(FC(GAP x))`. Weights: kernel `[C, C]`, bias `[C]`.
 */
export class SevarEse extends AttentionLayer {
  static className = 'SevarEse';
  static readonly key = 'ese';
  static readonly optionNames = [] as const;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: EseOptions & BaseLayerArgs = {}) {
    super(args);
  }

  parameterCount(channels: number): number {
    return channels * channels + channels;
  }

  protected buildWeights(channels: number): void {
    this.kernel = this.addTrainable('kernel', [channels, channels], 'glorotUniform');
    this.bias = this.addTrainable('bias', [channels], 'zeros');
  }

  /** The hard-sigmoid gate `[N, C]`, in [0, 1] by construction. */
  private gate(x: tf.Tensor4D): tf.Tensor2D {
    const s = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const v = tf.add(tf.matMul(s, this.kernel!.read() as tf.Tensor2D), this.bias!.read());
    return tf.div(tf.relu6(tf.add(v, 3)), 6) as tf.Tensor2D;
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(x, tf.reshape(this.gate(x), [-1, 1, 1, this.channels!]));
  }

  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return { channel: tf.tidy(() => this.gate(this.checkedInput(x))) };
  }
}
tf.serialization.registerClass(SevarEse);

export const eseDefinition = defineAttention<EseOptions>({
  key: 'ese',
  title: 'eSE: effective squeeze-excitation',
  citation: 'Lee & Park, CenterMask / VoVNetV2, CVPR 2020 (arXiv 1911.06667)',
  kind: 'channel',
  computes: 'y = x·hsigmoid(FC(C→C, bias)(GAP x)), hsigmoid(v) = relu6(v + 3) / 6',
  layerClass: SevarEse,
});
