import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import { integerAtLeast, reducedWidth } from './validate.js';

export interface SenetV2Options {
  /** `r`: each branch has `m = max(1, floor(C / r))` units (default 32). */
  reduction?: number;
  /** Number of parallel FC branches on the squeezed vector (default 4). */
  cardinality?: number;
}

interface Dense {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable;
}

/**
 * SENetV2 (Narayanan 2023): SE whose squeeze FC is an aggregated multi-branch layer.
 * `s = GAP x`; `cardinality` branches `ReLU(FC_i(C→m, bias)(s))` concatenated in branch order;
 * `g = σ(FC(card·m→C, bias))`; `y = x + x·g` (the author's code adds the input back).
 * Weights: branch 1 kernel `[C, m]`, bias `[m]`, …, branch n kernel, bias, fc kernel
 * `[card·m, C]`, bias `[C]`.
 */
export class SevarSenetV2 extends AttentionLayer {
  static className = 'SevarSenetV2';
  static readonly key = 'senetv2';
  static readonly optionNames = ['reduction', 'cardinality'] as const;
  readonly reduction: number;
  readonly cardinality: number;
  private branches: Dense[] = [];
  private fc: Dense | null = null;

  constructor(args: SenetV2Options & BaseLayerArgs = {}) {
    super(args);
    this.reduction = integerAtLeast('senetv2', 'reduction', args.reduction ?? 32, 1);
    this.cardinality = integerAtLeast('senetv2', 'cardinality', args.cardinality ?? 4, 1);
  }

  /** Units of each branch for `channels` input channels. */
  branchWidth(channels: number): number {
    return reducedWidth(channels, this.reduction);
  }

  parameterCount(channels: number): number {
    const m = this.branchWidth(channels);
    return this.cardinality * (channels * m + m) + this.cardinality * m * channels + channels;
  }

  protected buildWeights(channels: number): void {
    const m = this.branchWidth(channels);
    this.branches = [];
    for (let i = 1; i <= this.cardinality; i++) {
      this.branches.push({
        kernel: this.addTrainable(`branch${i}/kernel`, [channels, m], 'glorotUniform'),
        bias: this.addTrainable(`branch${i}/bias`, [m], 'zeros'),
      });
    }
    this.fc = {
      kernel: this.addTrainable('fc/kernel', [this.cardinality * m, channels], 'glorotUniform'),
      bias: this.addTrainable('fc/bias', [channels], 'zeros'),
    };
  }

  /** The sigmoid gate `g` `[N, C]` (the output is `x·(1 + g)`). */
  private gate(x: tf.Tensor4D): tf.Tensor2D {
    const s = tf.mean(x, [1, 2]) as tf.Tensor2D;
    // The branches side by side are one FC C → card·m whose output is their concatenation.
    const kernel = tf.concat(this.branches.map((b) => b.kernel.read()) as tf.Tensor2D[], 1);
    const bias = tf.concat(this.branches.map((b) => b.bias.read()) as tf.Tensor1D[]);
    const hidden = tf.relu(tf.add(tf.matMul(s, kernel), bias)) as tf.Tensor2D;
    const z = tf.add(
      tf.matMul(hidden, this.fc!.kernel.read() as tf.Tensor2D),
      this.fc!.bias.read(),
    );
    return tf.sigmoid(z) as tf.Tensor2D;
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.add(x, tf.mul(x, tf.reshape(this.gate(x), [-1, 1, 1, this.channels!])));
  }

  /** `channel` is the sigmoid gate `g` in [0, 1]; each channel is scaled by `1 + g`. */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return { channel: tf.tidy(() => this.gate(this.checkedInput(x))) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduction: this.reduction, cardinality: this.cardinality };
  }
}
tf.serialization.registerClass(SevarSenetV2);

export const senetv2Definition = defineAttention<SenetV2Options>({
  key: 'senetv2',
  title: 'SENetV2: aggregated dense layer for channelwise and global representations',
  citation: 'Narayanan, SENetV2, 2023 (arXiv 2311.10807)',
  kind: 'channel',
  computes: 'y = x + x·σ(FC(concat_i ReLU(FC_i(C→m)(GAP x)))), cardinality branches',
  options: [
    { name: 'reduction', default: '32', description: 'r: m = max(1, floor(C / r)) per branch' },
    { name: 'cardinality', default: '4', description: 'number of FC(C→m) branches' },
  ],
  layerClass: SevarSenetV2,
});
