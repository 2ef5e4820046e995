import * as tf from '@tensorflow/tfjs-core';

import { SqueezeExciteLayer } from '../attention-layer.js';
import { defineVariant } from '../variant-definition.js';

/** Slow squeeze and excite: FC widths C → h → m → C. */
export class SevarSlowSqueeze extends SqueezeExciteLayer {
  static className = 'SevarSlowSqueeze';
  static readonly variant = 'slow-squeeze';
  static readonly hiddenPattern = ['h', 'm'] as const;
}
tf.serialization.registerClass(SevarSlowSqueeze);

export const slowSqueezeVariant = defineVariant({
  name: 'slow-squeeze',
  paperName: 'Slow squeeze and excite',
  widths: 'C → h → m → C',
  layerClass: SevarSlowSqueeze,
});
