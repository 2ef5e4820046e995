import type * as tfl from '@tensorflow/tfjs-layers';

/** Element counts of a model's weights, trainable first, in model order: the shared layout. */
export function weightSizes(model: tfl.LayersModel): number[] {
  return [...model.trainableWeights, ...model.nonTrainableWeights].map((w) =>
    w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
  );
}

/** One float32 view per weight over a buffer laid out by `weightSizes`. */
export function weightViews(buffer: SharedArrayBuffer, sizes: number[]): Float32Array[] {
  let offset = 0;
  return sizes.map((size) => {
    const view = new Float32Array(buffer, offset * 4, size);
    offset += size;
    return view;
  });
}
