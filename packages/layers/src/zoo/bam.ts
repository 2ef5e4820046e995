import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import type { BatchNormWeights } from '../batch-norm.js';
import { integerAtLeast, reducedWidth } from './validate.js';

export interface BamOptions {
  /** `r`: both gates work at `m = max(1, floor(C / r))` channels (default 16). */
  reduction?: number;
  /** Dilation of the spatial gate's two 3x3 convolutions (default 4). */
  dilation?: number;
}

interface Dense {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable;
}

/**
 * A 3x3 convolution with dilation d and 'same' zero padding d, as space-to-batch, an undilated
 * valid convolution and batch-to-space (TensorFlow's atrous convolution): tfjs computes no
 * gradient for a conv2d with dilation > 1. The map is padded up to a multiple of d first.
 */
export function dilatedConv3x3(x: tf.Tensor4D, kernel: tf.Tensor4D, d: number): tf.Tensor4D {
  if (d === 1) return tf.conv2d(x, kernel, 1, 'same');
  const [, h, w] = x.shape;
  const extraH = (d - (h % d)) % d;
  const extraW = (d - (w % d)) % d;
  const blocks = tf.spaceToBatchND(
    x,
    [d, d],
    [
      [d, d + extraH],
      [d, d + extraW],
    ],
  );
  const y = tf.conv2d(blocks, kernel, 1, 'valid');
  return tf.batchToSpaceND(
    y,
    [d, d],
    [
      [0, extraH],
      [0, extraW],
    ],
  );
}

/**
 * BAM, the bottleneck attention module (Park et al. 2018), as the authors' code computes it:
 * `y = x·(1 + σ(Mc·Ms))` with the channel gate `Mc = FC(m→C)(ReLU(BN(FC(C→m)(GAP x))))`
 * `[N, C]` and the spatial gate `Ms` `[N, H, W]`: 1x1 conv C→m, BN, ReLU, two × (3x3 conv
 * m→m with dilation d and padding d, BN, ReLU), 1x1 conv m→1; every FC and conv with a bias.
 * Weights in forward order (channel gate, then spatial gate), BN statistics last.
 */
export class SevarBam extends AttentionLayer {
  static className = 'SevarBam';
  static readonly key = 'bam';
  static readonly optionNames = ['reduction', 'dilation'] as const;
  readonly reduction: number;
  readonly dilation: number;
  private channelFc1: Dense | null = null;
  private channelBn: BatchNormWeights | null = null;
  private channelFc2: Dense | null = null;
  private reduce: Dense | null = null;
  private reduceBn: BatchNormWeights | null = null;
  private dilated: { conv: Dense; bn: BatchNormWeights }[] = [];
  private final: Dense | null = null;

  constructor(args: BamOptions & BaseLayerArgs = {}) {
    super(args);
    this.reduction = integerAtLeast('bam', 'reduction', args.reduction ?? 16, 1);
    this.dilation = integerAtLeast('bam', 'dilation', args.dilation ?? 4, 1);
  }

  /** Width of both gates' hidden layers for `channels` input channels. */
  hiddenWidth(channels: number): number {
    return reducedWidth(channels, this.reduction);
  }

  parameterCount(channels: number): number {
    const m = this.hiddenWidth(channels);
    const channelGate = channels * m + m + 2 * m + m * channels + channels;
    const spatialGate = channels * m + m + 2 * m + 2 * (9 * m * m + m + 2 * m) + m + 1;
    return channelGate + spatialGate;
  }

  private dense(name: string, shape: number[]): Dense {
    return {
      kernel: this.addTrainable(`${name}/kernel`, shape, 'glorotUniform'),
      bias: this.addTrainable(`${name}/bias`, [shape[shape.length - 1]!], 'zeros'),
    };
  }

  protected buildWeights(channels: number): void {
    const m = this.hiddenWidth(channels);
    this.channelFc1 = this.dense('channel_fc1', [channels, m]);
    this.channelBn = this.addBatchNorm('channel_bn', m);
    this.channelFc2 = this.dense('channel_fc2', [m, channels]);
    this.reduce = this.dense('spatial_reduce', [channels, m]);
    this.reduceBn = this.addBatchNorm('spatial_reduce_bn', m);
    this.dilated = [1, 2].map((i) => ({
      conv: this.dense(`spatial_dilated${i}`, [3, 3, m, m]),
      bn: this.addBatchNorm(`spatial_dilated${i}_bn`, m),
    }));
    this.final = this.dense('spatial_final', [m, 1]);
  }

  /** `FC` over the last axis: `x · kernel + bias`. */
  private apply1x1<T extends tf.Tensor>(fc: Dense, x: T): T {
    const [kin, kout] = fc.kernel.shape as [number, number];
    const flat = tf.reshape(x, [-1, kin]) as tf.Tensor2D;
    const y = tf.add(tf.matMul(flat, fc.kernel.read() as tf.Tensor2D), fc.bias.read());
    return tf.reshape(y, [...x.shape.slice(0, -1), kout]) as T;
  }

  private channelGate(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    const s = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const hidden = tf.relu(
      this.batchNorm(this.channelBn!, this.apply1x1(this.channelFc1!, s), training),
    );
    return this.apply1x1(this.channelFc2!, hidden);
  }

  /** `Ms` as `[N, H, W, 1]`. */
  private spatialGate(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    let t = tf.relu(this.batchNorm(this.reduceBn!, this.apply1x1(this.reduce!, x), training));
    for (const { conv, bn } of this.dilated) {
      const k = conv.kernel.read() as tf.Tensor4D;
      const z = tf.add(dilatedConv3x3(t, k, this.dilation), conv.bias.read()) as tf.Tensor4D;
      t = tf.relu(this.batchNorm(bn, z, training));
    }
    return this.apply1x1(this.final!, t);
  }

  /** `σ(Mc·Ms)` `[N, H, W, C]`; the output is `x·(1 + it)`. */
  private attention(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    const mc = tf.reshape(this.channelGate(x, training), [-1, 1, 1, this.channels!]);
    return tf.sigmoid(tf.mul(mc, this.spatialGate(x, training))) as tf.Tensor4D;
  }

  protected forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.mul(x, tf.add(this.attention(x, training), 1));
  }

  /**
   * The module scales by `1 + σ(Mc·Ms)`, which has no separate channel and spatial gates in
   * [0, 1]: shown is `σ(Mc·Ms)` (inference statistics) averaged over H, W (`channel`) and over
   * the channels (`spatial`).
   */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return tf.tidy(() => {
      const a = this.attention(this.checkedInput(x), false);
      return { channel: tf.mean(a, [1, 2]) as tf.Tensor2D, spatial: tf.mean(a, 3) as tf.Tensor3D };
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduction: this.reduction, dilation: this.dilation };
  }
}
tf.serialization.registerClass(SevarBam);

export const bamDefinition = defineAttention<BamOptions>({
  key: 'bam',
  title: 'BAM: bottleneck attention module',
  citation: 'Park et al., BAM, BMVC 2018 (arXiv 1807.06514)',
  kind: 'channel+spatial',
  computes: 'y = x·(1 + σ(Mc·Ms)): Mc an FC-BN-ReLU-FC MLP on GAP, Ms 1x1 and dilated 3x3 convs',
  options: [
    { name: 'reduction', default: '16', description: 'r: both gates use m = max(1, floor(C / r))' },
    { name: 'dilation', default: '4', description: 'dilation (and padding) of the two 3x3 convs' },
  ],
  layerClass: SevarBam,
});
