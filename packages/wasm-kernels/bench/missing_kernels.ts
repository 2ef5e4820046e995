// Lists the kernels one training step of cnn3, ResNet-18 (cifar stem, with SE-style gating)
// and a depthwise/avg-pool net uses that the wasm backend lacks, before and after
// registerWasmTrainingKernels(), and checks that the step then runs on wasm.
// Usage: pnpm bench:missing
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerCpuTrainingKernels, registerWasmTrainingKernels } from '@sevar/wasm-kernels';
import { cnn3, resnet18Cifar } from './models.js';

function gatedNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 3] });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false })
    .apply(input);
  x = tfl.layers.batchNormalization().apply(x);
  x = tfl.layers.activation({ activation: 'relu' }).apply(x);
  x = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }).apply(x);
  const s = tfl.layers.globalAveragePooling2d({}).apply(x);
  let g = tfl.layers.dense({ units: 4, activation: 'relu' }).apply(s);
  g = tfl.layers.dense({ units: 8, activation: 'sigmoid' }).apply(g);
  g = tfl.layers.reshape({ targetShape: [1, 1, 8] }).apply(g);
  x = tfl.layers.multiply().apply([x as tfl.SymbolicTensor, g as tfl.SymbolicTensor]);
  x = tfl.layers.averagePooling2d({ poolSize: 2 }).apply(x);
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x);
  x = tfl.layers.flatten().apply(x);
  x = tfl.layers.dropout({ rate: 0.1 }).apply(x);
  const out = tfl.layers.dense({ units: 10 }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

const nets: Array<[string, () => tfl.LayersModel, number]> = [
  ['cnn3', cnn3, 32],
  // Small images keep the cpu pass short; the kernels used are the same as at 32x32.
  ['resnet18-cifar', () => resnet18Cifar(8), 8],
  ['conv-bn-depthwise-se-pool', gatedNet, 16],
];

async function kernelsOfStep(build: () => tfl.LayersModel, size: number): Promise<string[]> {
  const net = build();
  const opts = [
    tf.train.sgd(0.1),
    tf.train.momentum(0.1, 0.9),
    tf.train.adam(0.01),
    tf.train.adadelta(1),
  ];
  const xs = tf.randomNormal([2, size, size, 3]);
  const ys = tf.oneHot(tf.tensor1d([1, 7], 'int32'), 10);
  const names = new Set<string>();
  for (const opt of opts) {
    const info = await tf.profile(() => {
      opt.minimize(() =>
        tf.losses.softmaxCrossEntropy(ys, net.apply(xs, { training: true }) as tf.Tensor),
      );
    });
    for (const k of info.kernelNames) if (!k.endsWith('__op')) names.add(k);
    opt.dispose();
  }
  tf.dispose([xs, ys]);
  net.dispose();
  return [...names].sort();
}

await tf.setBackend('cpu');
registerCpuTrainingKernels();
for (const [name, build, size] of nets) {
  await tf.setBackend('cpu');
  const used = await kernelsOfStep(build, size);
  const missing = used.filter((k) => tf.getKernel(k, 'wasm') === undefined);
  console.log(
    `${name}: ${used.length} kernels per training step; missing on stock wasm: ${missing.join(', ') || 'none'}`,
  );
}
await tf.setBackend('wasm');
console.log(`registered: ${registerWasmTrainingKernels().join(', ')}`);
for (const [name, build, size] of nets) {
  const used = await kernelsOfStep(build, size);
  const missing = used.filter((k) => tf.getKernel(k, 'wasm') === undefined);
  console.log(`${name}: trains on wasm; still missing: ${missing.join(', ') || 'none'}`);
}
