// What the batch-norm fusion (training) and fold (inference) share: the fields of tfjs-layers'
// BatchNormalization (4.x) they read, and the walk over a model's layers.
import type * as tfl from '@tensorflow/tfjs-layers';

/** The weights and settings of a tfjs-layers BatchNormalization that both read. */
export interface BatchNormFields {
  axis: number;
  epsilon: number;
  gamma: tfl.LayerVariable | null;
  beta: tfl.LayerVariable | null;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/** Every layer of `model`, nested models' layers included (a lone layer: itself). */
export function layersOf(model: tfl.LayersModel | tfl.layers.Layer): tfl.layers.Layer[] {
  const inner = (model as { layers?: tfl.layers.Layer[] }).layers;
  return inner === undefined ? [model as tfl.layers.Layer] : inner.flatMap((l) => layersOf(l));
}
