import { useBackend, createOptimizer, withSeed, sparseSoftmaxCrossEntropy } from './dist/index.js';
import { cnn3 } from '@sevar/models';
import * as tf from '@tensorflow/tfjs-core';
await useBackend('webgpu');
const model = withSeed(1, () => cnn3({ numClasses: 10 }));
const opt = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9 });
const vars = model.trainableWeights.map((w) => w.read());
const xs = tf.randomNormal([32, 32, 32, 3]); const ys = tf.tensor1d(Array.from({length:32},(_, i)=>i%10),'int32');
function step() {
  return tf.tidy(() => { const { value, grads } = tf.variableGrads(() => sparseSoftmaxCrossEntropy(model.apply(xs, { training: true }), ys), vars);
  opt.applyGradients(grads); return value; });
}
for (let i = 0; i < 3; i++) { const v = step(); await v.data(); v.dispose(); }
for (let rep = 0; rep < 2; rep++) {
let t = performance.now();
for (let i = 0; i < 8; i++) { const v = step(); await v.data(); v.dispose(); }
const each = performance.now() - t;
t = performance.now();
const vs = []; for (let i = 0; i < 8; i++) vs.push(step());
const s = tf.stack(vs); await s.data(); tf.dispose([s, ...vs]);
const batched = performance.now() - t;
console.log({ each: each / 8, batched: batched / 8 });
}
console.log(tf.memory().numTensors);
