// Images/s of one training step (SGD momentum through `train`), cnn3 and resnet18 (cifar stem),
// batch 64, 32x32, on wasm and cpu measured side by side in one run. Build first:
//   npx tsc -b packages/trainer packages/models && node packages/trainer/bench/train-step.mjs
// Option: --steps N (timed wasm cnn3 steps after one warm-up step, default 2). resnet18 on stock
// tfjs-cpu is left out: its filter gradient (~14 MFLOP/s) would need hours for one step.
import * as tf from '@tensorflow/tfjs-core';
import { cnn3, resnet18 } from '@sevar/models';
import { createOptimizer, train, useBackend, withSeed } from '../dist/index.js';

const argSteps = process.argv.indexOf('--steps');
const steps = argSteps > 0 ? Number(process.argv[argSteps + 1]) : 2;
const BATCH = 64;

function source(n) {
  return {
    batchesPerEpoch: n,
    *epoch() {
      for (let i = 0; i < n; i++) {
        yield {
          xs: tf.randomNormal([BATCH, 32, 32, 3], 0, 1, 'float32', 1 + i),
          ys: tf.tensor1d(
            Array.from({ length: BATCH }, (_, j) => (i + j) % 10),
            'int32',
          ),
        };
      }
    },
  };
}

async function measure(build, timedSteps) {
  const model = withSeed(1, build);
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9 });
  const times = [];
  let last = performance.now();
  await train({
    model,
    data: { train: source(timedSteps + 1) },
    optimizer,
    epochs: 1,
    progress: false,
    onStepEnd: () => {
      const now = performance.now();
      times.push(now - last);
      last = now;
    },
  });
  optimizer.dispose();
  model.dispose();
  const timed = times.slice(1);
  const seconds = timed.reduce((a, b) => a + b, 0) / 1000 / timed.length;
  return { seconds, imagesPerSecond: BATCH / seconds };
}

const configs = [
  ['wasm', {}, 'cnn3', steps],
  ['cpu', {}, 'cnn3', 1],
  ['cpu', { fastCpuKernels: false }, 'cnn3', 1],
  ['wasm', {}, 'resnet18', 1],
  ['cpu', {}, 'resnet18', 1],
];
const builders = {
  cnn3: () => cnn3({ numClasses: 10 }),
  resnet18: () => resnet18({ numClasses: 10, stem: 'cifar' }),
};
const results = {};
for (const [backend, options, model, timedSteps] of configs) {
  const info = await useBackend(backend, options);
  const label =
    backend === 'cpu'
      ? info.trainingKernels
        ? 'cpu (fast kernels)'
        : 'cpu (stock)'
      : `wasm (simd ${info.simd})`;
  const r = await measure(builders[model], timedSteps);
  results[`${model} ${label}`] = r;
  console.log(
    `${model.padEnd(9)} ${label.padEnd(20)} ${r.seconds.toFixed(2)} s/step  ${r.imagesPerSecond.toFixed(1)} img/s`,
  );
}
const ratio = (m, a, b) =>
  (results[`${m} ${a}`].imagesPerSecond / results[`${m} ${b}`].imagesPerSecond).toFixed(1);
const wasmLabel = Object.keys(results)
  .find((k) => k.startsWith('cnn3 wasm'))
  .slice(5);
console.log(
  `cnn3: wasm / cpu(fast) = ${ratio('cnn3', wasmLabel, 'cpu (fast kernels)')}x, wasm / cpu(stock) = ${ratio('cnn3', wasmLabel, 'cpu (stock)')}x`,
);
console.log(`resnet18: wasm / cpu(fast) = ${ratio('resnet18', wasmLabel, 'cpu (fast kernels)')}x`);
