import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import type { BatchNormWeights } from '../batch-norm.js';
import { preciseSigmoid } from './sigmoid.js';
import { integerAtLeast, oddKernelSize, reducedWidth } from './validate.js';

export interface CbamOptions {
  /** Reduction ratio r of the channel MLP (default 16): `m = max(minChannels, floor(C / r))`. */
  reduction?: number;
  /** Floor on the MLP's hidden width m (default 1). */
  minChannels?: number;
  /** Size k of the spatial gate's k×k convolution (odd, default 7). */
  kernelSize?: number;
}

interface CbamWeights {
  fc1Kernel: tfl.LayerVariable;
  fc1Bias: tfl.LayerVariable;
  fc2Kernel: tfl.LayerVariable;
  fc2Bias: tfl.LayerVariable;
  conv: tfl.LayerVariable;
  bn: BatchNormWeights;
}

/**
 * CBAM (Woo et al. 2018), after the authors' code: a channel gate, then a spatial gate on its
 * output. Channel: `a = MLP(GAP x) + MLP(GMP x)` with one MLP, FC(C→m, bias) ReLU FC(m→C, bias),
 * shared by both pooled vectors; `x' = x·σ(a)`. Spatial: `p = concat[max_c x', mean_c x']` (max
 * first), `q = BN(conv k×k(p))` ('same' padding, no bias); `y = x'·σ(q)`. Weights: fc1 kernel
 * `[C, m]`, fc1 bias, fc2 kernel `[m, C]`, fc2 bias, conv `[k, k, 2, 1]`, BN γ, β, mean, var `[1]`.
 */
export class SevarCbam extends AttentionLayer {
  static className = 'SevarCbam';
  static readonly key = 'cbam';
  static readonly optionNames = ['reduction', 'minChannels', 'kernelSize'] as const;
  readonly reduction: number;
  readonly minChannels: number;
  readonly kernelSize: number;
  private w: CbamWeights | null = null;

  constructor(args: CbamOptions & BaseLayerArgs = {}) {
    super(args);
    this.reduction = integerAtLeast('cbam', 'reduction', args.reduction ?? 16, 1);
    this.minChannels = integerAtLeast('cbam', 'minChannels', args.minChannels ?? 1, 1);
    this.kernelSize = oddKernelSize('cbam', 'kernelSize', args.kernelSize ?? 7);
  }

  /** The channel MLP's hidden width m for `channels` input channels. */
  hiddenUnits(channels: number): number {
    return reducedWidth(channels, this.reduction, this.minChannels);
  }

  parameterCount(channels: number): number {
    const m = this.hiddenUnits(channels);
    return 2 * channels * m + m + channels + 2 * this.kernelSize ** 2 + 2;
  }

  protected buildWeights(channels: number): void {
    const m = this.hiddenUnits(channels);
    const k = this.kernelSize;
    this.w = {
      fc1Kernel: this.addTrainable('fc1/kernel', [channels, m], 'glorotUniform'),
      fc1Bias: this.addTrainable('fc1/bias', [m], 'zeros'),
      fc2Kernel: this.addTrainable('fc2/kernel', [m, channels], 'glorotUniform'),
      fc2Bias: this.addTrainable('fc2/bias', [channels], 'zeros'),
      conv: this.addTrainable('spatial/kernel', [k, k, 2, 1], 'glorotUniform'),
      bn: this.addBatchNorm('spatial/bn', 1),
    };
  }

  private mlp(v: tf.Tensor2D): tf.Tensor2D {
    const w = this.w!;
    const hidden = tf.relu(
      tf.add(tf.matMul(v, w.fc1Kernel.read() as tf.Tensor2D), w.fc1Bias.read()),
    );
    return tf.add(
      tf.matMul(hidden as tf.Tensor2D, w.fc2Kernel.read() as tf.Tensor2D),
      w.fc2Bias.read(),
    );
  }

  /** σ(MLP(GAP x) + MLP(GMP x)): `[N, C]`. */
  private channelGate(x: tf.Tensor4D): tf.Tensor2D {
    const a: tf.Tensor2D = tf.add(this.mlp(tf.mean(x, [1, 2])), this.mlp(tf.max(x, [1, 2])));
    return preciseSigmoid(a);
  }

  /** σ(BN(conv(concat[max_c, mean_c]))): `[N, H, W, 1]`. */
  private spatialGate(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const pooled = tf.concat([tf.max(x, 3, true), tf.mean(x, 3, true)], 3) as tf.Tensor4D;
    const q = tf.conv2d(pooled, this.w!.conv.read() as tf.Tensor4D, 1, 'same');
    return preciseSigmoid(this.batchNorm(this.w!.bn, q, training));
  }

  private channelGated(x: tf.Tensor4D): { gate: tf.Tensor2D; gated: tf.Tensor4D } {
    const gate = this.channelGate(x);
    return { gate, gated: tf.mul(x, tf.reshape(gate, [-1, 1, 1, this.channels!])) };
  }

  protected forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const { gated } = this.channelGated(x);
    return tf.mul(gated, this.spatialGate(gated, training));
  }

  /** The channel gate σ(a) `[N, C]` and the spatial gate σ(q) `[N, H, W]` (inference BN). */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return tf.tidy(() => {
      const { gate, gated } = this.channelGated(this.checkedInput(x));
      return { channel: gate, spatial: tf.squeeze(this.spatialGate(gated, false), [3]) };
    }) as AttentionMaps;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      reduction: this.reduction,
      minChannels: this.minChannels,
      kernelSize: this.kernelSize,
    };
  }
}
tf.serialization.registerClass(SevarCbam);

export const cbamDefinition = defineAttention<CbamOptions>({
  key: 'cbam',
  title: 'CBAM: convolutional block attention module',
  citation: 'Woo et al., CBAM, ECCV 2018 (arXiv 1807.06521)',
  kind: 'channel+spatial',
  computes:
    'x′ = x·σ(MLP(GAP x) + MLP(GMP x)), one shared MLP; y = x′·σ(BN(conv k×k [max_c x′, mean_c x′]))',
  options: [
    {
      name: 'reduction',
      default: '16',
      description: 'MLP hidden width m = max(minChannels, floor(C / r))',
    },
    { name: 'minChannels', default: '1', description: 'floor on m' },
    { name: 'kernelSize', default: '7', description: 'odd size k of the spatial k×k convolution' },
  ],
  layerClass: SevarCbam,
});
