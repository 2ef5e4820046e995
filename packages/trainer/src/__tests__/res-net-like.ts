import * as tfl from '@tensorflow/tfjs-layers';

/** Pad-Conv-BN-ReLU, a residual block with a strided 1x1 shortcut, GAP, dense. */
export function resNetLike(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 3] });
  const convBn = (
    x: tfl.SymbolicTensor,
    filters: number,
    strides: number,
    kernelSize = 3,
    padding: 'same' | 'valid' = 'same',
  ) =>
    tfl.layers
      .batchNormalization()
      .apply(
        tfl.layers
          .conv2d({ filters, kernelSize, strides, padding, useBias: false })
          .apply(x) as tfl.SymbolicTensor,
      ) as tfl.SymbolicTensor;
  const relu = (x: tfl.SymbolicTensor) =>
    tfl.layers.activation({ activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
  // Explicit zero padding (PadV2), as the models pad their strided convolutions.
  const padded = tfl.layers.zeroPadding2d({ padding: 1 }).apply(input) as tfl.SymbolicTensor;
  const stem = relu(convBn(padded, 8, 1, 3, 'valid'));
  const branch = convBn(relu(convBn(stem, 16, 2)), 16, 1);
  const shortcut = convBn(stem, 16, 2, 1);
  const merged = relu(tfl.layers.add().apply([branch, shortcut]) as tfl.SymbolicTensor);
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(merged) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 10 }).apply(pooled) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits });
}
