import type * as tfl from '@tensorflow/tfjs-layers';
import { SqueezeExciteLayer } from '@sevar/layers';

import { SevarSqueezeExcitation } from './squeeze-excitation.js';

/** One layer of a {@link ModelDescription}. */
export interface LayerDescription {
  name: string;
  className: string;
  /** Output shape without the batch axis. */
  outputShape: (number | null)[];
  trainableParams: number;
  nonTrainableParams: number;
  /** Multiply-accumulates per image (0 for layers that do no products: BN, pools, ReLU, add). */
  macs: number;
}

export interface ModelDescription {
  name: string;
  trainableParams: number;
  /** BatchNorm moving statistics and frozen weights. */
  nonTrainableParams: number;
  /** Multiply-accumulates per image of the convolutions, dense layers and attention FCs. */
  macsPerImage: number;
  layers: LayerDescription[];
}

function product(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}

function weightCount(weights: readonly tfl.LayerVariable[]): number {
  return weights.reduce((a, w) => a + product(w.shape), 0);
}

function singleShape(shape: tfl.Shape | tfl.Shape[]): tfl.Shape {
  return (Array.isArray(shape[0]) ? shape[0] : shape) as tfl.Shape;
}

/**
 * MACs of one layer from its shapes: a conv does `KH*KW*Ci` per output element, a dense layer
 * `in*out` per position, an attention layer `in*out` per FC on the squeezed vector (the bump's
 * 3x3 conv option sees a 1x1 map, so only its centre tap counts).
 */
function layerMacs(layer: tfl.layers.Layer): number {
  const cls = layer.getClassName();
  const out = singleShape(layer.outputShape).slice(1);
  if (layer instanceof SqueezeExciteLayer) {
    const channels = out[2]; // attention keeps its input shape
    if (typeof channels !== 'number') return 0;
    const w = layer.fcWidths(channels);
    let macs = 0;
    for (let i = 0; i + 1 < w.length; i++) macs += w[i]! * w[i + 1]!;
    return macs;
  }
  if (layer instanceof SevarSqueezeExcitation) {
    const channels = out[2];
    return typeof channels === 'number' ? layer.macs(channels) : 0;
  }
  const kernel = layer.weights[0];
  if (kernel === undefined || !['Conv2D', 'DepthwiseConv2D', 'Dense'].includes(cls)) return 0;
  // Every output position (all axes but channels) uses each kernel weight once.
  return product(out.slice(0, -1)) * product(kernel.shape);
}

/** Parameter counts and per-image multiply-accumulates of `model`, layer by layer. */
export function describeModel(model: tfl.LayersModel): ModelDescription {
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    className: layer.getClassName(),
    outputShape: singleShape(layer.outputShape).slice(1),
    trainableParams: weightCount(layer.trainableWeights),
    nonTrainableParams: weightCount(layer.nonTrainableWeights),
    macs: layerMacs(layer),
  }));
  return {
    name: model.name,
    trainableParams: layers.reduce((a, l) => a + l.trainableParams, 0),
    nonTrainableParams: layers.reduce((a, l) => a + l.nonTrainableParams, 0),
    macsPerImage: layers.reduce((a, l) => a + l.macs, 0),
    layers,
  };
}
