import { readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createBatches, loadEmbedded } from '@sevar/datasets';
import { cnn3 } from '@sevar/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { InvalidOptionError } from '../errors.js';
import { sparseSoftmaxCrossEntropy } from '../loss.js';
import { topKAccuracy } from '../metrics.js';
import { createOptimizer } from '../optimizers.js';
import { Rng, withSeed } from '../rng.js';
import { train } from '../train.js';
import { createDataParallelStep, DataParallelError } from './data-parallel.js';

/** Threads of this process (Linux): worker_threads are OS threads. */
function osThreads(): number {
  return readdirSync('/proc/self/task').length;
}

/** OS threads end a little after `terminate()` resolves on a loaded machine: wait up to 10 s. */
async function threadsSettleAtMost(limit: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (osThreads() > limit && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return osThreads();
}

function smallNet(bn: boolean): tfl.LayersModel {
  const layers: tfl.layers.Layer[] = [
    tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
  ];
  if (bn) layers.push(tfl.layers.batchNormalization({ momentum: 0.9 }));
  layers.push(
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 5 }),
  );
  return tfl.sequential({ layers });
}

function batch(n: number): { xs: tf.Tensor4D; ys: tf.Tensor1D } {
  const rng = new Rng(3);
  const xs = Float32Array.from({ length: n * 8 * 8 * 3 }, () => rng.next() * 2 - 1);
  const ys = Int32Array.from({ length: n }, () => rng.nextUint32() % 5);
  return { xs: tf.tensor4d(xs, [n, 8, 8, 3]), ys: tf.tensor1d(ys, 'int32') };
}

/** Two copies of one net (same initial weights). */
function twins(bn: boolean): [tfl.LayersModel, tfl.LayersModel] {
  const a = withSeed(5, () => smallNet(bn));
  const b = smallNet(bn);
  b.setWeights(a.getWeights());
  return [a, b];
}

/** One step of `model` on the full batch in this thread (the reference); coupled L2 `wd`. */
function singleStep(
  model: tfl.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor1D,
  opt: tf.Optimizer,
  wd = 0,
) {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => sparseSoftmaxCrossEntropy(model.apply(xs, { training: true }) as tf.Tensor2D, ys),
      variables,
    );
    const decayed = Object.fromEntries(
      variables.map((v) => [v.name, tf.add(grads[v.name]!, tf.mul(v, wd))]),
    );
    opt.applyGradients(decayed);
  });
}

function worstRelative(
  a: tfl.LayersModel,
  b: tfl.LayersModel,
  pick: (m: tfl.LayersModel) => tfl.LayerVariable[],
) {
  let worst = 0;
  pick(a).forEach((w, i) => {
    const x = w.read().dataSync();
    const y = pick(b)[i]!.read().dataSync();
    let diff = 0;
    let scale = 0;
    for (let j = 0; j < x.length; j++) {
      diff = Math.max(diff, Math.abs(x[j]! - y[j]!));
      scale = Math.max(scale, Math.abs(y[j]!));
    }
    worst = Math.max(worst, diff / scale);
  });
  return worst;
}

describe('createDataParallelStep (2 wasm workers)', () => {
  beforeAll(async () => {
    await useBackend('wasm', { onWarning: () => {} });
  });

  it('gives the weights of a single-process full-batch step (no BN), leaks no tensor', async () => {
    const [ref, par] = twins(false);
    const { xs, ys } = batch(10);
    const before = par.getWeights().map((w) => w.dataSync().slice());
    const optRef = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    const optPar = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    const dp = await createDataParallelStep({ model: par, workers: 2 });
    try {
      singleStep(ref, xs, ys, optRef);
      await dp.step(xs, ys, optPar);
      const tensors = tf.memory().numTensors;
      const inWorkers = dp.workerTensors();
      singleStep(ref, xs, ys, optRef);
      await dp.step(xs, ys, optPar);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(inWorkers).toHaveLength(2);
      expect(dp.workerTensors()).toEqual(inWorkers);
    } finally {
      await dp.close();
    }
    const error = worstRelative(par, ref, (m) => m.trainableWeights);
    console.log(`data-parallel vs single-process, 2 SGD-momentum steps: ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-5);
    // Every weight moved, so the comparison is not between two untouched copies.
    par.getWeights().forEach((w, i) => {
      const moved = tf.max(tf.abs(tf.sub(w, tf.tensor(before[i]!, w.shape)))).dataSync()[0]!;
      expect(moved).toBeGreaterThan(1e-4);
    });
    tf.dispose([xs, ys]);
  });

  it('reports the batch loss and top-k of the weights before the update; applies weight decay', async () => {
    const [ref, par] = twins(false);
    const { xs, ys } = batch(12);
    const [loss, top1, top5] = tf.tidy(() => {
      const logits = ref.apply(xs, { training: true }) as tf.Tensor2D;
      return [
        sparseSoftmaxCrossEntropy(logits, ys).dataSync()[0]!,
        topKAccuracy(logits, ys, 1).dataSync()[0]!,
        topKAccuracy(logits, ys, 5).dataSync()[0]!,
      ];
    });
    const dp = await createDataParallelStep({ model: par, workers: 2 });
    try {
      singleStep(ref, xs, ys, createOptimizer({ name: 'sgd', lr: 0.5 }), 0.05);
      const r = await dp.step(xs, ys, createOptimizer({ name: 'sgd', lr: 0.5 }), {
        weightDecay: 0.05,
      });
      expect(r.applied).toBe(true);
      expect(r.examples).toBe(12);
      expect(r.loss).toBeCloseTo(loss, 5);
      expect(r.top1).toBeCloseTo(top1, 6);
      expect(r.top5).toBeCloseTo(top5, 6);
    } finally {
      await dp.close();
    }
    expect(worstRelative(par, ref, (m) => m.trainableWeights)).toBeLessThan(1e-5);
    tf.dispose([xs, ys]);
  });

  it('applies nothing when the loss is not finite', async () => {
    const model = smallNet(true);
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const { xs, ys } = batch(6);
    const bad = tf.mul(xs, NaN);
    const dp = await createDataParallelStep({ model, workers: 2 });
    try {
      const r = await dp.step(bad, ys, createOptimizer({ name: 'sgd', lr: 0.1 }));
      expect(r.applied).toBe(false);
      expect(Number.isNaN(r.loss)).toBe(true);
    } finally {
      await dp.close();
    }
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    tf.dispose([xs, ys, bad]);
  });

  it('workers on the cpu backend give the same step (weights reach them through shared memory)', async () => {
    const [ref, par] = twins(false);
    const { xs, ys } = batch(10);
    const optRef = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    const optPar = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    const dp = await createDataParallelStep({ model: par, workers: 2, backend: 'cpu' });
    try {
      expect(dp.backend).toBe('cpu');
      for (let i = 0; i < 3; i++) {
        singleStep(ref, xs, ys, optRef);
        await dp.step(xs, ys, optPar);
      }
    } finally {
      await dp.close();
    }
    expect(worstRelative(par, ref, (m) => m.trainableWeights)).toBeLessThan(1e-5);
    tf.dispose([xs, ys]);
  });

  // Each worker opens its own WebGPU device (Dawn; lavapipe where there is no GPU).
  it('workers on the webgpu backend give the same step as one process on wasm', async () => {
    const [ref, par] = twins(false);
    const { xs, ys } = batch(10);
    const optRef = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    const optPar = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    const dp = await createDataParallelStep({ model: par, workers: 2, backend: 'webgpu' });
    try {
      expect(dp.backend).toBe('webgpu');
      for (let i = 0; i < 3; i++) {
        singleStep(ref, xs, ys, optRef);
        await dp.step(xs, ys, optPar);
      }
    } finally {
      await dp.close();
    }
    const error = worstRelative(par, ref, (m) => m.trainableWeights);
    console.log(
      `data-parallel on webgpu vs one process on wasm, 3 steps: ${error.toExponential(2)}`,
    );
    expect(error).toBeLessThan(1e-5);
    tf.dispose([xs, ys]);
  });

  it('averages BN moving statistics: the moving mean equals the full-batch one', async () => {
    const [ref, par] = twins(true);
    const { xs, ys } = batch(8);
    const dp = await createDataParallelStep({ model: par, workers: 2 });
    try {
      singleStep(ref, xs, ys, createOptimizer({ name: 'sgd', lr: 0.1 }));
      await dp.step(xs, ys, createOptimizer({ name: 'sgd', lr: 0.1 }));
    } finally {
      await dp.close();
    }
    const movingMean = (m: tfl.LayersModel) => [m.nonTrainableWeights[0]!];
    expect(par.nonTrainableWeights[0]!.name).toContain('moving_mean');
    expect(worstRelative(par, ref, movingMean)).toBeLessThan(1e-5);
    tf.dispose([xs, ys]);
  });

  it('trains cnn3 on the embedded data: loss falls', async () => {
    const data = await loadEmbedded({ split: 'train', count: 2048 });
    const model = withSeed(1, () => cnn3({ numClasses: 10 }));
    const optimizer = createOptimizer({ name: 'adam', lr: 0.002 });
    const dp = await createDataParallelStep({ model, workers: 2 });
    const losses: number[] = [];
    try {
      for (let epoch = 0; epoch < 2; epoch++) {
        for await (const { xs, ys } of createBatches(data, { batchSize: 32, seed: 1 }).epoch(
          epoch,
        )) {
          losses.push((await dp.step(xs, ys, optimizer)).loss);
          tf.dispose([xs, ys]);
        }
      }
    } finally {
      await dp.close();
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const [first, last] = [mean(losses.slice(0, 8)), mean(losses.slice(-8))];
    console.log(`embedded, cnn3 on 2 wasm workers: loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
    expect(last).toBeLessThan(first - 0.1);
  });

  it('train({ dataParallel }) trains through the workers and closes them', async () => {
    const data = await loadEmbedded({ split: 'train', count: 1024 });
    const test = await loadEmbedded({ split: 'test', count: 256 });
    const model = withSeed(1, () => cnn3({ numClasses: 10 }));
    const running = osThreads();
    const steps: number[] = [];
    const result = await train({
      model,
      data: {
        train: createBatches(data, { batchSize: 32, seed: 1 }),
        test: createBatches(test, { batchSize: 128, shuffle: false, augment: 'none' }),
      },
      optimizer: createOptimizer({ name: 'adam', lr: 0.002 }),
      epochs: 2,
      progress: false,
      dataParallel: { workers: 2 },
      onStepEnd: ({ loss }) => {
        steps.push(loss);
      },
    });
    const [first, second] = result.history;
    console.log(
      `train({ dataParallel: 2 }) on embedded cnn3: loss ${first!.train.loss.toFixed(3)} -> ` +
        `${second!.train.loss.toFixed(3)}, test top-1 ${second!.test!.top1.toFixed(3)}`,
    );
    expect(steps).toHaveLength(64);
    expect(second!.train.loss).toBeLessThan(first!.train.loss);
    expect(second!.train.top1).toBeGreaterThanOrEqual(0);
    expect(second!.train.top5).toBeGreaterThanOrEqual(second!.train.top1);
    expect(second!.test!.examples).toBe(256);
    expect(await threadsSettleAtMost(running)).toBeLessThanOrEqual(running);
  });

  it('train() rejects a custom loss with dataParallel, naming the option', async () => {
    const data = await loadEmbedded({ split: 'train', count: 64 });
    await expect(
      train({
        model: smallNet(false),
        data: { train: createBatches(data, { batchSize: 32 }) },
        optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }),
        epochs: 1,
        progress: false,
        loss: (logits, labels) => sparseSoftmaxCrossEntropy(logits, labels),
        dataParallel: { workers: 2 },
      }),
    ).rejects.toThrow(InvalidOptionError);
  });

  it('rejects a failing step with DataParallelError and terminates the workers', async () => {
    const model = smallNet(false);
    const dp = await createDataParallelStep({ model, workers: 2 });
    const running = osThreads();
    const xs = tf.zeros([4, 8, 8, 2]); // wrong channel count: the workers' forward pass throws
    const ys = tf.tensor1d([0, 1, 2, 3], 'int32');
    await expect(dp.step(xs, ys, createOptimizer({ name: 'sgd', lr: 0.1 }))).rejects.toThrow(
      DataParallelError,
    );
    await expect(dp.step(xs, ys, createOptimizer({ name: 'sgd', lr: 0.1 }))).rejects.toThrow(
      /after close/,
    );
    // Each worker is an OS thread of this process: both must be gone.
    expect(await threadsSettleAtMost(running - 2)).toBeLessThanOrEqual(running - 2);
    tf.dispose([xs, ys]);
  });

  it('rejects a worker that cannot load its imports', async () => {
    await expect(
      createDataParallelStep({ model: smallNet(false), imports: ['@sevar/no-such-package'] }),
    ).rejects.toThrow(/no-such-package/);
  });
});
