import * as tf from '@tensorflow/tfjs-core';

import { SqueezeExciteLayer, type AttentionLayerArgs } from '../attention-layer.js';
import { AttentionConfigError, quoteList } from '../errors.js';
import { BUMP_KINDS, type BumpKind, type BumpOptions } from '../options.js';
import { defineVariant } from '../variant-definition.js';

/**
 * Bump module (squeeze-learn-excite): FC widths C → m → m → C. With `bumpKind: 'conv3x3'` the
 * middle layer is the paper's 3x3 conv on the 1x1 squeezed map ('same' padding), which computes
 * the same function as the FC with only its centre tap; the other 8 taps never receive gradient.
 */
export class SevarBump extends SqueezeExciteLayer {
  static className = 'SevarBump';
  static readonly variant = 'bump';
  static readonly hiddenPattern = ['m', 'm'] as const;
  static readonly ownOptions = ['bumpKind'] as const;
  readonly bumpKind: BumpKind;

  constructor(args: AttentionLayerArgs & BumpOptions = {}) {
    super(args);
    const kind = args.bumpKind ?? 'dense';
    if (!BUMP_KINDS.includes(kind)) {
      throw new AttentionConfigError('bump', 'bumpKind', `one of ${quoteList(BUMP_KINDS)}`, kind);
    }
    this.bumpKind = kind;
  }

  protected override kernelShape(index: number, inUnits: number, outUnits: number): number[] {
    return index === 1 && this.bumpKind === 'conv3x3'
      ? [3, 3, inUnits, outUnits]
      : [inUnits, outUnits];
  }

  protected override applyFc(index: number, s: tf.Tensor2D): tf.Tensor2D {
    if (index !== 1 || this.bumpKind !== 'conv3x3') return super.applyFc(index, s);
    const units = s.shape[1];
    const map = tf.reshape(s, [-1, 1, 1, units]) as tf.Tensor4D;
    const y = tf.conv2d(map, this.kernels[1]!.read() as tf.Tensor4D, 1, 'same');
    return tf.reshape(tf.add(y, this.biases[1]!.read()), [-1, units]) as tf.Tensor2D;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bumpKind: this.bumpKind };
  }
}
tf.serialization.registerClass(SevarBump);

export const bumpVariant = defineVariant<BumpOptions, 'bump'>({
  name: 'bump',
  paperName: 'Bump module / squeeze-learn-excite',
  widths: 'C → m → m → C',
  options: [{ name: 'bumpKind', default: 'dense', description: "'dense' (m → m FC) or 'conv3x3'" }],
  layerClass: SevarBump,
});
