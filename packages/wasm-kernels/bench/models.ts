import * as tfl from '@tensorflow/tfjs-layers';

/** The SPEC's cnn3 (TensorFlow CIFAR-10 tutorial CNN): 122,570 parameters for 10 classes. */
export function cnn3(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.conv2d({ inputShape: [32, 32, 3], filters: 32, kernelSize: 3, activation: 'relu' }),
  );
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 64, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 10 }));
  return m;
}

function convBn(
  x: tfl.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
): tfl.SymbolicTensor {
  const c = tfl.layers
    .conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false })
    .apply(x);
  return tfl.layers.batchNormalization().apply(c) as tfl.SymbolicTensor;
}

/** ResNet-18 with the CIFAR stem (3x3 stride-1 conv, no max-pool): 11,173,962 parameters. */
export function resnet18Cifar(size = 32): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3] });
  let x = tfl.layers.reLU().apply(convBn(input, 64, 3, 1)) as tfl.SymbolicTensor;
  let channels = 64;
  for (const [width, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      let y = tfl.layers.reLU().apply(convBn(x, width, 3, s)) as tfl.SymbolicTensor;
      y = convBn(y, width, 3, 1);
      const shortcut = s !== 1 || channels !== width ? convBn(x, width, 1, s) : x;
      x = tfl.layers.reLU().apply(tfl.layers.add().apply([y, shortcut])) as tfl.SymbolicTensor;
      channels = width;
    }
  }
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 10 }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}
