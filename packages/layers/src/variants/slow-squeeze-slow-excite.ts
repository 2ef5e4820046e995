import * as tf from '@tensorflow/tfjs-core';

import { SqueezeExciteLayer } from '../attention-layer.js';
import { defineVariant } from '../variant-definition.js';

/** Slow squeeze and slow excite: FC widths C → h → m → h → C. */
export class SevarSlowSqueezeSlowExcite extends SqueezeExciteLayer {
  static className = 'SevarSlowSqueezeSlowExcite';
  static readonly variant = 'slow-squeeze-slow-excite';
  static readonly hiddenPattern = ['h', 'm', 'h'] as const;
}
tf.serialization.registerClass(SevarSlowSqueezeSlowExcite);

export const slowSqueezeSlowExciteVariant = defineVariant({
  name: 'slow-squeeze-slow-excite',
  paperName: 'Slow squeeze and slow excite',
  widths: 'C → h → m → h → C',
  layerClass: SevarSlowSqueezeSlowExcite,
});
