import * as tf from '@tensorflow/tfjs-core';

import { SqueezeExciteLayer } from '../attention-layer.js';
import { defineVariant } from '../variant-definition.js';

/** Squeeze and excite module (Hu et al.): FC widths C → m → C. */
export class SevarSqueezeExcite extends SqueezeExciteLayer {
  static className = 'SevarSqueezeExcite';
  static readonly variant = 'se';
  static readonly hiddenPattern = ['m'] as const;
}
tf.serialization.registerClass(SevarSqueezeExcite);

export const seVariant = defineVariant({
  name: 'se',
  paperName: 'Squeeze and excite module (Hu et al.)',
  widths: 'C → m → C',
  citation: 'Hu, Shen, Sun: Squeeze-and-Excitation Networks, CVPR 2018 (arXiv 1709.01507)',
  layerClass: SevarSqueezeExcite,
});
