import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { cnn3, resnet18 } from '@sevar/models';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { fuseBatchNormTraining } from '@sevar/layers';
import { sparseSoftmaxCrossEntropy } from './loss.js';
import { Rng, withRandom, withSeed } from './rng.js';
import { stepGradients } from './step.js';

// One training step's gradients on webgpu (lavapipe here) against the cpu backend. Deep nets'
// gradients are chaotic in float32 (ReLU masks and BN statistics flip with the last bit), so
// the bound is cpu's own spread: the cpu gradients again with every weight moved by 1e-6
// relative. Batches are tiny: lavapipe runs on the CPU.

type Shape = [number, number, number, number];

function batch(shape: Shape): { xs: Float32Array; ys: Int32Array } {
  const rng = new Rng(42);
  const xs = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.next() * 2 - 1);
  const ys = Int32Array.from({ length: shape[0] }, () => rng.nextUint32() % 10);
  return { xs, ys };
}

/** The trainable weights' gradients of one step of `build()` with `weights`, on `backend`. */
async function gradients(
  backend: 'cpu' | 'webgpu',
  build: () => tfl.LayersModel,
  weights: Float32Array[],
  shape: Shape,
): Promise<Float32Array[]> {
  await useBackend(backend);
  const model = build();
  fuseBatchNormTraining(model);
  const values = model.weights.map((w, i) => tf.tensor(weights[i]!, w.shape as number[]));
  model.setWeights(values);
  tf.dispose(values);
  const { xs, ys } = batch(shape);
  const x = tf.tensor4d(xs, shape);
  const y = tf.tensor1d(ys, 'int32');
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { stats, grads } = withRandom(new Rng(1), () =>
    stepGradients(model, variables, x, y, { loss: (l, t) => sparseSoftmaxCrossEntropy(l, t) }),
  );
  const out = await Promise.all(
    variables.map((v) => grads[v.name]!.data() as Promise<Float32Array>),
  );
  tf.dispose([x, y, stats, grads]);
  model.dispose();
  return out;
}

/** Worst over tensors of max|a - b| / max|b|. */
function worst(a: Float32Array[], b: Float32Array[]): number {
  let error = 0;
  b.forEach((ref, i) => {
    let scale = 1e-12;
    let diff = 0;
    ref.forEach((v, j) => {
      scale = Math.max(scale, Math.abs(v));
      diff = Math.max(diff, Math.abs(a[i]![j]! - v));
    });
    error = Math.max(error, diff / scale);
  });
  return error;
}

async function compare(name: string, build: () => tfl.LayersModel, shape: Shape) {
  await useBackend('cpu');
  const init = withSeed(7, build);
  const weights = await Promise.all(
    init.weights.map((w) => w.read().data() as Promise<Float32Array>),
  );
  init.dispose();
  const rng = new Rng(9);
  const nudged = weights.map((w) => w.map((v) => v * (1 + 1e-6 * (2 * rng.next() - 1))));
  const cpu = await gradients('cpu', build, weights, shape);
  const cpuNudged = await gradients('cpu', build, nudged, shape);
  const webgpu = await gradients('webgpu', build, weights, shape);
  const spread = worst(cpuNudged, cpu);
  const error = worst(webgpu, cpu);
  console.log(
    `${name}: webgpu vs cpu gradients ${error.toExponential(2)}, cpu's own spread ` +
      `(weights moved by 1e-6) ${spread.toExponential(2)}`,
  );
  expect(error).toBeLessThan(Math.max(2 * spread, 1e-4));
}

describe('one step of gradients on webgpu matches cpu within its float32 spread', () => {
  it('cnn3 with se (24x24, batch 2)', async () => {
    await compare(
      'cnn3/se',
      () => cnn3({ numClasses: 10, attention: 'se', inputShape: [24, 24, 3] }),
      [2, 24, 24, 3],
    );
  });

  it('resnet18 (cifar stem) with se (8x8, batch 2)', { timeout: 300_000 }, async () => {
    await compare(
      'resnet18/se',
      () => resnet18({ numClasses: 10, attention: 'se', stem: 'cifar', inputShape: [8, 8, 3] }),
      [2, 8, 8, 3],
    );
  });
});
