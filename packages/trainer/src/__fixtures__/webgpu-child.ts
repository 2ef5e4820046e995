// Child process for the webgpu exit-and-resume test:
//   node webgpu-child.js <checkpointDir> <epochs> <out.json>
// Trains the tiny model on webgpu with checkpoints (resuming from any), writes the result to
// out.json and then simply returns: the test checks that the process exits by itself.
import { writeFileSync } from 'node:fs';
import { useBackend } from '../backend.js';
import { createOptimizer } from '../optimizers.js';
import { train } from '../train.js';
import { quadrants, tinyModel } from './tiny.js';

const [checkpointDir, epochs, out] = process.argv.slice(2);
const backend = await useBackend('webgpu');
const model = tinyModel(11);
const result = await train({
  model,
  data: {
    train: quadrants({ numExamples: 16, batchSize: 8, seed: 5 }),
    test: quadrants({ numExamples: 8, batchSize: 8, seed: 6 }),
  },
  optimizer: createOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9 }),
  epochs: Number(epochs),
  seed: 3,
  checkpointDir,
  resume: true,
  progress: false,
});
const weights = await Promise.all(
  model.weights.map(async (w) => Array.from(await w.read().data())),
);
writeFileSync(out!, JSON.stringify({ backend, ...result, weights }));
