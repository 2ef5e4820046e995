// Child process for the kill-and-resume test:
//   node train-child.js <checkpointDir> <resume 0|1> <out.json> [pauseAt "epoch:step"]
// Trains the tiny model on the cpu backend; with pauseAt it prints "paused epoch E step S" after
// that step and waits to be killed. At the end it writes all model weights to out.json.
import '@tensorflow/tfjs-backend-cpu';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { createOptimizer } from '../optimizers.js';
import { createSchedule } from '../schedules.js';
import { train } from '../train.js';
import { quadrants, tinyModel, weightValues } from './tiny.js';

const [checkpointDir, resume, out, pauseAt] = process.argv.slice(2);
const [pauseEpoch, pauseStep] = (pauseAt ?? '0:0').split(':').map(Number);
await tf.setBackend('cpu');
const model = tinyModel(11);
const result = await train({
  model,
  data: {
    train: quadrants({ numExamples: 96, batchSize: 16, seed: 5 }),
    test: quadrants({ numExamples: 32, batchSize: 16, seed: 6 }),
  },
  optimizer: createOptimizer({ name: 'adamw', lr: 0.01, weightDecay: 0.01 }),
  schedule: createSchedule({ name: 'cosine', lr: 0.01, warmupEpochs: 0.5 }),
  epochs: 3,
  seed: 3,
  checkpointDir,
  resume: resume === '1',
  progress: false,
  onStepEnd: async ({ epoch, step }) => {
    if (epoch === pauseEpoch && step === pauseStep) {
      process.stdout.write(`paused epoch ${epoch} step ${step}\n`);
      await new Promise((resolve) => setTimeout(resolve, 120_000));
    }
  },
});
writeFileSync(
  out!,
  JSON.stringify({ resumedFromEpoch: result.resumedFromEpoch, history: result.history, weights: weightValues(model) }),
);
