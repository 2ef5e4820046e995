import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { AttentionLayer, type AttentionMaps, type BaseLayerArgs } from '../attention-base.js';
import { defineAttention } from '../attention-definition.js';
import { preciseSigmoid } from './sigmoid.js';
import { integerAtLeast, oneOf, reducedWidth } from './validate.js';

/** How the transformed context `t` joins the input: `x + t` or `x·σ(t)`. */
export type GcFusion = 'add' | 'scale';
export const GC_FUSIONS: readonly GcFusion[] = ['add', 'scale'];

export interface GcOptions {
  /** Reduction ratio r of the transform (default 16): `m = max(minChannels, floor(C / r))`. */
  reduction?: number;
  /** Floor on the transform's width m (default 1). */
  minChannels?: number;
  /** `'add'` (default, the paper's channel_add): `y = x + t`; `'scale'`: `y = x·σ(t)`. */
  fusion?: GcFusion;
}

/** LayerNorm's epsilon, PyTorch's default. */
const LAYER_NORM_EPSILON = 1e-5;

interface GcWeights {
  maskKernel: tfl.LayerVariable;
  maskBias: tfl.LayerVariable;
  fc1Kernel: tfl.LayerVariable;
  fc1Bias: tfl.LayerVariable;
  lnGamma: tfl.LayerVariable;
  lnBeta: tfl.LayerVariable;
  fc2Kernel: tfl.LayerVariable;
  fc2Bias: tfl.LayerVariable;
}

/**
 * Global context block (Cao et al. 2019), after the authors' ContextBlock: `a = softmax_HW(x·wm
 * + bm)` (a 1x1 conv C→1 with bias), `c = Σ_HW a·x`; `t = FC(m→C, bias)(ReLU(LN(FC(C→m,
 * bias)(c))))`, the LayerNorm over the m channels (affine, eps 1e-5); `y = x + t` (`fusion:
 * 'add'`) or `y = x·σ(t)` (`'scale'`). As in the official code the last FC starts at zero, so
 * the block starts as the identity (`'add'`) or `x / 2` (`'scale'`). The mask bias is kept for
 * fidelity to the official code and the SPEC, though the softmax ignores a shift, so its
 * gradient is always zero. Weights: mask kernel `[C, 1]`, mask bias `[1]`, fc1 kernel `[C, m]`,
 * fc1 bias, LN γ, β `[m]`, fc2 kernel `[m, C]`, fc2 bias.
 */
export class SevarGc extends AttentionLayer {
  static className = 'SevarGc';
  static readonly key = 'gc';
  static readonly optionNames = ['reduction', 'minChannels', 'fusion'] as const;
  readonly reduction: number;
  readonly minChannels: number;
  readonly fusion: GcFusion;
  private w: GcWeights | null = null;

  constructor(args: GcOptions & BaseLayerArgs = {}) {
    super(args);
    this.reduction = integerAtLeast('gc', 'reduction', args.reduction ?? 16, 1);
    this.minChannels = integerAtLeast('gc', 'minChannels', args.minChannels ?? 1, 1);
    this.fusion = oneOf('gc', 'fusion', args.fusion ?? 'add', GC_FUSIONS);
  }

  /** The transform's width m for `channels` input channels. */
  hiddenUnits(channels: number): number {
    return reducedWidth(channels, this.reduction, this.minChannels);
  }

  parameterCount(channels: number): number {
    const m = this.hiddenUnits(channels);
    return 2 * channels * m + 3 * m + 2 * channels + 1;
  }

  protected buildWeights(channels: number): void {
    const m = this.hiddenUnits(channels);
    this.w = {
      maskKernel: this.addTrainable('mask/kernel', [channels, 1], 'heNormal'),
      maskBias: this.addTrainable('mask/bias', [1], 'zeros'),
      fc1Kernel: this.addTrainable('fc1/kernel', [channels, m], 'heUniform'),
      fc1Bias: this.addTrainable('fc1/bias', [m], 'zeros'),
      lnGamma: this.addTrainable('ln/gamma', [m], 'ones'),
      lnBeta: this.addTrainable('ln/beta', [m], 'zeros'),
      fc2Kernel: this.addTrainable('fc2/kernel', [m, channels], 'zeros'),
      fc2Bias: this.addTrainable('fc2/bias', [channels], 'zeros'),
    };
  }

  /** The softmax over the H·W positions, `[N, H·W]`, and `x` as `[N, H·W, C]`. */
  private attention(x: tf.Tensor4D): { a: tf.Tensor2D; flat: tf.Tensor3D } {
    const [n, h, width, c] = x.shape;
    const flat = tf.reshape(x, [n, h * width, c]) as tf.Tensor3D;
    const logits = tf.add(
      tf.matMul(tf.reshape(flat, [n * h * width, c]), this.w!.maskKernel.read() as tf.Tensor2D),
      this.w!.maskBias.read(),
    );
    return { a: tf.softmax(tf.reshape(logits, [n, h * width])), flat };
  }

  /** `t`, the transformed context: `[N, C]`. */
  private transform(x: tf.Tensor4D): tf.Tensor2D {
    const w = this.w!;
    const { a, flat } = this.attention(x);
    const context = tf.squeeze(tf.matMul(tf.expandDims(a, 1), flat), [1]) as tf.Tensor2D;
    const z = tf.add(tf.matMul(context, w.fc1Kernel.read() as tf.Tensor2D), w.fc1Bias.read());
    const { mean, variance } = tf.moments(z, -1, true);
    const normed = tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON)));
    const hidden = tf.relu(tf.add(tf.mul(normed, w.lnGamma.read()), w.lnBeta.read()));
    return tf.add(
      tf.matMul(hidden as tf.Tensor2D, w.fc2Kernel.read() as tf.Tensor2D),
      w.fc2Bias.read(),
    );
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    const t = tf.reshape(this.transform(x), [-1, 1, 1, this.channels!]);
    return this.fusion === 'scale' ? tf.mul(x, preciseSigmoid(t)) : tf.add(x, t);
  }

  /**
   * `spatial`: the context softmax `[N, H, W]` divided by its largest value per sample, so the
   * most attended position reads 1 (the raw weights sum to 1 and shrink with H·W). `channel`
   * (fusion `'scale'` only): the gate σ(t) `[N, C]`; with `'add'` the module adds `t` and has
   * no gate in [0, 1] to show.
   */
  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return tf.tidy(() => {
      const input = this.checkedInput(x);
      const [n, h, width] = input.shape;
      const { a } = this.attention(input);
      const spatial = tf.reshape(tf.div(a, tf.max(a, 1, true)), [n, h, width]) as tf.Tensor3D;
      if (this.fusion === 'add') return { spatial };
      return { spatial, channel: tf.sigmoid(this.transform(input)) };
    }) as AttentionMaps;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      reduction: this.reduction,
      minChannels: this.minChannels,
      fusion: this.fusion,
    };
  }
}
tf.serialization.registerClass(SevarGc);

export const gcDefinition = defineAttention<GcOptions>({
  key: 'gc',
  title: 'Global context block',
  citation: 'Cao et al., GCNet, ICCV Workshops 2019 (arXiv 1904.11492)',
  kind: 'channel',
  computes:
    'c = Σ_HW softmax_HW(FC(C→1)(x))·x; t = FC(m→C)(ReLU(LN(FC(C→m)(c)))); y = x + t or x·σ(t)',
  options: [
    {
      name: 'reduction',
      default: '16',
      description: 'transform width m = max(minChannels, floor(C / r))',
    },
    { name: 'minChannels', default: '1', description: 'floor on m' },
    { name: 'fusion', default: 'add', description: "'add': y = x + t; 'scale': y = x·σ(t)" },
  ],
  layerClass: SevarGc,
});
