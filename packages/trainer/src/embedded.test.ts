import * as tf from '@tensorflow/tfjs-core';
import { createBatches, loadEmbedded } from '@sevar/datasets';
import { cnn3 } from '@sevar/models';
import { expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { createOptimizer } from './optimizers.js';
import { withSeed } from './rng.js';
import { train } from './train.js';

it('cnn3 trains on the embedded dataset on the default backend: loss falls, accuracy well above chance', async () => {
  const backend = await useBackend('auto', { onWarning: () => {} });
  const trainSet = await loadEmbedded({ split: 'train', count: 2048 });
  const testSet = await loadEmbedded({ split: 'test', count: 500 });
  const model = withSeed(1, () => cnn3({ numClasses: 10 }));
  const counts: number[] = [];
  const { history } = await train({
    model,
    data: {
      train: createBatches(trainSet, { batchSize: 32, seed: 1 }),
      test: createBatches(testSet, { batchSize: 100, shuffle: false }),
    },
    optimizer: createOptimizer({ name: 'adam', lr: 0.002 }),
    epochs: 2,
    seed: 1,
    progress: false,
    onEpochEnd: () => {
      counts.push(tf.memory().numTensors);
    },
  });
  const [first, last] = [history[0]!, history[1]!];
  console.log(
    `embedded, cnn3 on ${backend.name}: train loss ${first.train.loss.toFixed(3)} -> ` +
      `${last.train.loss.toFixed(3)}, test top-1 ${(first.test!.top1 * 100).toFixed(1)}% -> ` +
      `${(last.test!.top1 * 100).toFixed(1)}%, ${last.imagesPerSecond.toFixed(0)} img/s`,
  );
  expect(last.train.loss).toBeLessThan(first.train.loss - 0.1);
  expect(last.test!.loss).toBeLessThan(Math.log(10) - 0.2);
  // 10 classes: chance is 10% top-1 and 50% top-5.
  expect(last.test!.top1).toBeGreaterThan(0.2);
  expect(last.test!.top5).toBeGreaterThan(0.6);
  expect(counts[1]).toBe(counts[0]);
});
