import * as tf from '@tensorflow/tfjs-core';

import { SqueezeExciteLayer } from '../attention-layer.js';
import { defineVariant } from '../variant-definition.js';

/** Squeeze and slow excite: FC widths C → m → h → C. */
export class SevarSlowExcite extends SqueezeExciteLayer {
  static className = 'SevarSlowExcite';
  static readonly variant = 'slow-excite';
  static readonly hiddenPattern = ['m', 'h'] as const;
}
tf.serialization.registerClass(SevarSlowExcite);

export const slowExciteVariant = defineVariant({
  name: 'slow-excite',
  paperName: 'Squeeze and slow excite',
  widths: 'C → m → h → C',
  layerClass: SevarSlowExcite,
});
