// Runs inside a fresh npm project that installed the packed tarballs: what a user gets from npm.
// Prints one JSON line for the test to check.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createAttention, VARIANT_NAMES } from '@sevar/layers';
import { cnn3, describeModel } from '@sevar/models';
import { createBatches, loadEmbedded } from '@sevar/datasets';
import { createOptimizer, train, useBackend } from '@sevar/trainer';
import { registerCpuTrainingKernels } from '@sevar/wasm-kernels';

const result = {};

// The trainer imports the backend package by name from its own location: a flat npm install
// must resolve the user's copy.
result.backend = (await useBackend('cpu', { onWarning: () => {} })).name;
registerCpuTrainingKernels();

const x = tf.randomNormal([2, 6, 6, 32]);
result.shapes = Object.fromEntries(
  VARIANT_NAMES.map((name) => {
    const y = createAttention(name, { reduction: 8 }).apply(x);
    const shape = y.shape;
    y.dispose();
    return [name, shape];
  }),
);
x.dispose();

// A saved model with a variant loads back: the layer classes registered with this tfjs-layers copy.
const input = tfl.input({ shape: [8, 8, 16] });
const gated = createAttention('bump', { reduction: 4 }).apply(input);
const model = tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(gated) });
let artifacts;
await model.save(
  tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);
const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
const probe = tf.randomNormal([1, 8, 8, 16]);
const [a, b] = [model.predict(probe), loaded.predict(probe)];
result.reloadMaxDiff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
result.reloadedClass = loaded.layers[1].getClassName();
tf.dispose([a, b, probe]);

const net = cnn3({ attention: 'se', numClasses: 10 });
result.cnn3Params = describeModel(net).trainableParams;

const trainSet = await loadEmbedded({ split: 'train', count: 32 });
const { history } = await train({
  model: net,
  data: { train: createBatches(trainSet, { batchSize: 16, seed: 1 }) },
  optimizer: createOptimizer({ name: 'adadelta', lr: 1 }),
  epochs: 1,
  seed: 1,
  progress: false,
});
result.trainLoss = history[0].train.loss;

// The exports map hides internals.
try {
  await import('@sevar/layers/dist/registry.js');
  result.deepImport = 'allowed';
} catch (error) {
  result.deepImport = error.code;
}
console.log(JSON.stringify(result));
