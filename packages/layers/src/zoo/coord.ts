import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import type { BatchNormWeights } from '../batch-norm.js';
import { preciseSigmoid } from './sigmoid.js';
import { integerAtLeast, reducedWidth } from './validate.js';

export interface CoordOptions {
  /** Reduction ratio r (default 32): `mip = max(minChannels, floor(C / r))`. */
  reduction?: number;
  /** Floor on the shared width mip (default 8, as in the official code). */
  minChannels?: number;
}

interface CoordWeights {
  fc1Kernel: tfl.LayerVariable;
  fc1Bias: tfl.LayerVariable;
  bn: BatchNormWeights;
  fcHKernel: tfl.LayerVariable;
  fcHBias: tfl.LayerVariable;
  fcWKernel: tfl.LayerVariable;
  fcWBias: tfl.LayerVariable;
}

/** `v·relu6(v + 3) / 6`. */
function hardSwish<T extends tf.Tensor>(v: T): T {
  return tf.div(tf.mul(v, tf.relu6(tf.add(v, 3))), 6);
}

/** `[rows..., in] · [in, out] + [out]` over the last axis of a rank-3 tensor. */
function dense3d(x: tf.Tensor3D, kernel: tfl.LayerVariable, bias: tfl.LayerVariable): tf.Tensor3D {
  const [n, p, c] = x.shape;
  const k = kernel.read() as tf.Tensor2D;
  const y = tf.add(tf.matMul(tf.reshape(x, [n * p, c]), k), bias.read());
  return tf.reshape(y, [n, p, k.shape[1]]);
}

/**
 * Coordinate attention (Hou et al. 2021), after the authors' code: `ph = mean_W x` `[N, H, C]`
 * and `pw = mean_H x` `[N, W, C]`, concatenated over the H + W positions; one FC(C→mip, bias),
 * BN over the mip channels and h-swish, shared by both; split back; `ah = σ(FC_h(t_h))`
 * `[N, H, C]`, `aw = σ(FC_w(t_w))` `[N, W, C]` (each mip→C, bias); `y = x·aw·ah`. Weights: fc1
 * kernel `[C, mip]`, fc1 bias, BN γ, β, fc_h kernel `[mip, C]`, fc_h bias, fc_w kernel, fc_w
 * bias, BN mean, var.
 */
export class SevarCoord extends AttentionLayer {
  static className = 'SevarCoord';
  static readonly key = 'coord';
  static readonly optionNames = ['reduction', 'minChannels'] as const;
  readonly reduction: number;
  readonly minChannels: number;
  private w: CoordWeights | null = null;

  constructor(args: CoordOptions & BaseLayerArgs = {}) {
    super(args);
    this.reduction = integerAtLeast('coord', 'reduction', args.reduction ?? 32, 1);
    this.minChannels = integerAtLeast('coord', 'minChannels', args.minChannels ?? 8, 1);
  }

  /** The shared width mip for `channels` input channels. */
  hiddenUnits(channels: number): number {
    return reducedWidth(channels, this.reduction, this.minChannels);
  }

  parameterCount(channels: number): number {
    const mip = this.hiddenUnits(channels);
    return 3 * channels * mip + 3 * mip + 2 * channels;
  }

  protected buildWeights(channels: number): void {
    const mip = this.hiddenUnits(channels);
    this.w = {
      fc1Kernel: this.addTrainable('fc1/kernel', [channels, mip], 'heUniform'),
      fc1Bias: this.addTrainable('fc1/bias', [mip], 'zeros'),
      bn: this.addBatchNorm('bn', mip),
      fcHKernel: this.addTrainable('fc_h/kernel', [mip, channels], 'glorotUniform'),
      fcHBias: this.addTrainable('fc_h/bias', [channels], 'zeros'),
      fcWKernel: this.addTrainable('fc_w/kernel', [mip, channels], 'glorotUniform'),
      fcWBias: this.addTrainable('fc_w/bias', [channels], 'zeros'),
    };
  }

  /** The gates `ah` `[N, H, 1, C]` and `aw` `[N, 1, W, C]`. */
  private gates(x: tf.Tensor4D, training: boolean): { ah: tf.Tensor4D; aw: tf.Tensor4D } {
    const w = this.w!;
    const [n, h, width, c] = x.shape;
    const pooled = tf.concat([tf.mean(x, 2), tf.mean(x, 1)], 1) as tf.Tensor3D; // [N, H + W, C]
    const z = dense3d(pooled, w.fc1Kernel, w.fc1Bias);
    const t = hardSwish(this.batchNorm(w.bn, z, training));
    const [th, tw] = tf.split(t, [h, width], 1) as [tf.Tensor3D, tf.Tensor3D];
    const ah = preciseSigmoid(dense3d(th, w.fcHKernel, w.fcHBias));
    const aw = preciseSigmoid(dense3d(tw, w.fcWKernel, w.fcWBias));
    return { ah: tf.reshape(ah, [n, h, 1, c]), aw: tf.reshape(aw, [n, 1, width, c]) };
  }

  protected forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const { ah, aw } = this.gates(x, training);
    return tf.mul(tf.mul(x, aw), ah);
  }

  /**
   * The per-element gate `ah·aw` (inference BN) averaged two ways: over the channels for the
   * spatial map `[N, H, W]`, and over H and W for the channel map `[N, C]`. Both lie in [0, 1].
   */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return tf.tidy(() => {
      const { ah, aw } = this.gates(this.checkedInput(x), false);
      const gate = tf.mul(ah, aw);
      return { channel: tf.mean(gate, [1, 2]), spatial: tf.mean(gate, 3) };
    }) as AttentionMaps;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduction: this.reduction, minChannels: this.minChannels };
  }
}
tf.serialization.registerClass(SevarCoord);

export const coordDefinition = defineAttention<CoordOptions>({
  key: 'coord',
  title: 'Coordinate attention',
  citation: 'Hou et al., Coordinate Attention, CVPR 2021 (arXiv 2103.02907)',
  kind: 'channel+spatial',
  computes:
    't = hswish(BN(FC(C→mip)([mean_W x, mean_H x]))); y = x·σ(FC_w(t_w))·σ(FC_h(t_h)), per row and column',
  options: [
    { name: 'reduction', default: '32', description: 'mip = max(minChannels, floor(C / r))' },
    { name: 'minChannels', default: '8', description: 'floor on mip' },
  ],
  layerClass: SevarCoord,
});
