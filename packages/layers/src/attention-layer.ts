import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from './attention-base.js';
import {
  hiddenWidths,
  SHARED_OPTION_NAMES,
  resolveOptions,
  type AttentionOptions,
  type HiddenWidth,
  type ResolvedOptions,
} from './options.js';
import { resolveInitializer, resolveRegularizer, serialize } from './serialize.js';

type LayerVariable = tfl.LayerVariable;
type Initializer = ReturnType<typeof tfl.initializers.zeros>;
type Regularizer = ReturnType<typeof tfl.regularizers.l2>;

/** Static members every SE-family class declares; the base class reads them from `new.target`. */
export interface VariantStatics {
  /** Registry key, e.g. `'slow-excite'`. */
  readonly variant: string;
  /** Widths of the hidden FCs in forward order (`m` narrow, `h` slow step). */
  readonly hiddenPattern: readonly HiddenWidth[];
  /** Option keys this variant takes beyond the shared ones (the bump's `bumpKind`). */
  readonly ownOptions?: readonly string[];
}

/** Constructor arguments of every variant: the shared options plus tfjs layer arguments. */
export type AttentionLayerArgs = AttentionOptions & BaseLayerArgs;

/**
 * Squeeze (global average pool) → FC stack → gate → `x * gate` (or `x + x * gate`), for NHWC
 * inputs: the SE family. Each variant is a subclass that only declares its FC pattern; all
 * weights are owned here (`addWeight`), named `fc<i>/kernel` `[in, out]` and `fc<i>/bias` `[out]`
 * in forward order.
 */
export abstract class SqueezeExciteLayer extends AttentionLayer {
  /** Registry key: the variant's `static variant`. */
  static get key(): string {
    return (this as unknown as VariantStatics).variant;
  }

  /** The shared SE-family options plus the variant's `ownOptions`. */
  static get optionNames(): readonly string[] {
    return [...SHARED_OPTION_NAMES, ...((this as unknown as VariantStatics).ownOptions ?? [])];
  }

  /** Registry key (same as `key`). */
  readonly variant: string;
  protected readonly hiddenPattern: readonly HiddenWidth[];
  protected readonly options: ResolvedOptions;
  protected readonly kernelInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  protected readonly kernelRegularizer: Regularizer | undefined;
  protected readonly biasRegularizer: Regularizer | undefined;
  protected kernels: LayerVariable[] = [];
  protected biases: LayerVariable[] = [];

  constructor(args: AttentionLayerArgs = {}) {
    super(args);
    const statics = new.target as unknown as VariantStatics;
    this.variant = statics.variant;
    this.hiddenPattern = statics.hiddenPattern;
    this.options = resolveOptions(this.variant, this.hiddenPattern, args);
    this.kernelInitializer = resolveInitializer(
      this.variant,
      'kernelInitializer',
      args.kernelInitializer,
      'glorotUniform',
    );
    this.biasInitializer = resolveInitializer(
      this.variant,
      'biasInitializer',
      args.biasInitializer,
      'zeros',
    );
    this.kernelRegularizer = resolveRegularizer(
      this.variant,
      'kernelRegularizer',
      args.kernelRegularizer,
    );
    this.biasRegularizer = resolveRegularizer(
      this.variant,
      'biasRegularizer',
      args.biasRegularizer,
    );
  }

  /** FC widths `[C, hidden..., C]` for `channels` input channels (no build needed). */
  fcWidths(channels: number): number[] {
    return [channels, ...hiddenWidths(channels, this.hiddenPattern, this.options), channels];
  }

  /** Trainable parameters this layer adds for `channels` input channels (no build needed). */
  parameterCount(channels: number): number {
    const w = this.fcWidths(channels);
    let total = 0;
    for (let i = 0; i + 1 < w.length; i++) {
      total += sizeOf(this.kernelShape(i, w[i]!, w[i + 1]!)) + w[i + 1]!;
    }
    return total;
  }

  /** Shape of the kernel of FC `index`; the bump's conv option overrides it. */
  protected kernelShape(_index: number, inUnits: number, outUnits: number): number[] {
    return [inUnits, outUnits];
  }

  /** Applies FC `index` (without activation) to the squeezed `[N, units]` tensor. */
  protected applyFc(index: number, s: tf.Tensor2D): tf.Tensor2D {
    return tf.add(
      tf.matMul(s, this.kernels[index]!.read() as tf.Tensor2D),
      this.biases[index]!.read(),
    );
  }

  protected override buildWeights(channels: number): void {
    const w = this.fcWidths(channels);
    this.kernels = [];
    this.biases = [];
    for (let i = 0; i + 1 < w.length; i++) {
      this.kernels.push(
        this.addWeight(
          `fc${i + 1}/kernel`,
          this.kernelShape(i, w[i]!, w[i + 1]!),
          'float32',
          this.kernelInitializer,
          this.kernelRegularizer,
          true,
        ),
      );
      this.biases.push(
        this.addWeight(
          `fc${i + 1}/bias`,
          [w[i + 1]!],
          'float32',
          this.biasInitializer,
          this.biasRegularizer,
          true,
        ),
      );
    }
  }

  /** The gate `[N, C]` for `x`: the FC stack on the squeezed input, then the gate activation. */
  protected gateOf(x: tf.Tensor4D): tf.Tensor2D {
    let s = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const last = this.kernels.length - 1;
    for (let i = 0; i < last; i++) s = tf.relu(this.applyFc(i, s));
    s = this.applyFc(last, s);
    return this.options.gateActivation === 'sigmoid'
      ? tf.sigmoid(s)
      : (tf.div(tf.relu6(tf.add(s, 3)), 6) as tf.Tensor2D);
  }

  protected override forward(x: tf.Tensor4D): tf.Tensor4D {
    const gated = tf.mul(x, tf.reshape(this.gateOf(x), [-1, 1, 1, this.channels!])) as tf.Tensor4D;
    return this.options.gate === 'residual' ? tf.add(x, gated) : gated;
  }

  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return { channel: tf.tidy(() => this.gateOf(this.checkedInput(x))) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    const o = this.options;
    return {
      reduction: o.reduction,
      minChannels: o.minChannels,
      hiddenUnits: o.hiddenUnits,
      midDivisor: o.midDivisor,
      gateActivation: o.gateActivation,
      gate: o.gate,
      kernelInitializer: serialize(this.kernelInitializer),
      biasInitializer: serialize(this.biasInitializer),
      kernelRegularizer: serialize(this.kernelRegularizer),
      biasRegularizer: serialize(this.biasRegularizer),
      ...super.getConfig(),
    };
  }
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
