import * as tf from '@tensorflow/tfjs-core';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import { preciseSigmoid } from './sigmoid.js';
import { positiveNumber } from './validate.js';

export interface SimamOptions {
  /** The regulariser λ in the energy's denominator (> 0, default 1e-4). */
  lambda?: number;
}

/**
 * SimAM (Yang et al. 2021), after the authors' code; no weights. Per channel, with
 * `n = H·W − 1` and `d = (x − mean_HW x)²`: `e = d / (4(Σ_HW d / n + λ)) + 0.5`, `y = x·σ(e)`.
 * H·W must be at least 2 (the variance divides by H·W − 1).
 */
export class SevarSimam extends AttentionLayer {
  static className = 'SevarSimam';
  static readonly key = 'simam';
  static readonly optionNames = ['lambda'] as const;
  readonly lambda: number;

  constructor(args: SimamOptions & BaseLayerArgs = {}) {
    super(args);
    this.lambda = positiveNumber('simam', 'lambda', args.lambda ?? 1e-4);
  }

  parameterCount(_channels?: number): number {
    return 0;
  }

  protected buildWeights(): void {}

  protected override spatialRequirement(
    height: number | null,
    width: number | null,
  ): string | null {
    if (height === null || width === null || height * width >= 2) return null;
    return 'H·W ≥ 2 (the energy divides by H·W − 1)';
  }

  /** σ(e), one gate per element: `[N, H, W, C]`. */
  private gate(x: tf.Tensor4D): tf.Tensor4D {
    const [, h, w] = x.shape;
    const d = tf.square(tf.sub(x, tf.mean(x, [1, 2], true)));
    const variance = tf.div(tf.sum(d, [1, 2], true), h * w - 1);
    const e: tf.Tensor4D = tf.add(tf.div(d, tf.mul(tf.add(variance, this.lambda), 4)), 0.5);
    return preciseSigmoid(e);
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(x, this.gate(x));
  }

  /** The per-element gate σ(e) averaged over the channels: `[N, H, W]`, in [σ(0.5), 1). */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return { spatial: tf.tidy(() => tf.mean(this.gate(this.checkedInput(x)), 3) as tf.Tensor3D) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), lambda: this.lambda };
  }
}
tf.serialization.registerClass(SevarSimam);

export const simamDefinition = defineAttention<SimamOptions>({
  key: 'simam',
  title: 'SimAM: simple, parameter-free attention',
  citation: 'Yang et al., SimAM, ICML 2021',
  kind: 'parameter-free',
  computes: 'd = (x − mean_HW x)², e = d / (4(Σ_HW d / (H·W − 1) + λ)) + 0.5, y = x·σ(e); H·W ≥ 2',
  options: [{ name: 'lambda', default: '1e-4', description: 'λ > 0 in the energy function' }],
  layerClass: SevarSimam,
});
