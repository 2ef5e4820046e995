import * as tfl from '@tensorflow/tfjs-layers';
import { createAttention } from '@sevar/layers';
import type { VariantName } from '@sevar/layers';

export interface TinyNetOptions {
  /** The SE variant after each conv block, or null for none. */
  attention: VariantName | null;
  numClasses: number;
  /** Reduction of each attention module; the blocks are narrow, so a small one. */
  reduction?: number;
}

/**
 * A user's own small conv net (not from the zoo): two conv blocks, each followed by an SE variant,
 * then global average pooling and a classifier. Only `@sevar/layers` comes from sevar.
 */
export function tinyNet({ attention, numClasses, reduction = 4 }: TinyNetOptions): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 3] });
  let x = input;
  for (const [i, filters] of [16, 32].entries()) {
    x = tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `conv${i + 1}` })
      .apply(x) as tfl.SymbolicTensor;
    if (attention !== null) {
      x = createAttention(attention, { reduction, name: `attention${i + 1}` }).apply(
        x,
      ) as tfl.SymbolicTensor;
    }
    x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const probs = tfl.layers
    .dense({ units: numClasses, activation: 'softmax', name: 'probs' })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: probs, name: 'tiny-net' });
}
