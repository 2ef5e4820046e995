import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seeded } from './helpers.js';

/**
 * Conv-BN-ReLU-MaxPool, then a ResNet-style block: a strided conv with SE-style gating (GAP ->
 * FC -> ReLU -> FC -> sigmoid, broadcast multiply) plus a strided 1x1 conv + BN shortcut,
 * added and ReLU'd; then a depthwise conv, global average pool and a dense classifier: every
 * kind of op the sevar models train with.
 */
export function buildSmallNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 10, 3] });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false })
    .apply(input);
  x = tfl.layers.batchNormalization().apply(x);
  x = tfl.layers.activation({ activation: 'relu' }).apply(x);
  const pooled = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
    .apply(pooled);
  const squeezed = tfl.layers.globalAveragePooling2d({}).apply(x);
  let gate = tfl.layers.dense({ units: 4, activation: 'relu' }).apply(squeezed);
  gate = tfl.layers.dense({ units: 8, activation: 'sigmoid' }).apply(gate);
  gate = tfl.layers.reshape({ targetShape: [1, 1, 8] }).apply(gate);
  x = tfl.layers.multiply().apply([x as tfl.SymbolicTensor, gate as tfl.SymbolicTensor]);
  let shortcut = tfl.layers
    .conv2d({ filters: 8, kernelSize: 1, strides: 2, padding: 'same', useBias: false })
    .apply(pooled);
  shortcut = tfl.layers.batchNormalization().apply(shortcut);
  x = tfl.layers.add().apply([x as tfl.SymbolicTensor, shortcut as tfl.SymbolicTensor]);
  x = tfl.layers.reLU().apply(x);
  x = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'valid' }).apply(x);
  x = tfl.layers.globalAveragePooling2d({}).apply(x);
  const output = tfl.layers.dense({ units: 5 }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

export const smallNetBatch = 4;

/** Fixed weights for the net, so that every backend starts from the same point. */
export function fixedWeights(model: tfl.LayersModel): tf.Tensor[] {
  // Variances and BN scales near 1, everything else small and signed.
  return model.weights.map((w, i) => {
    const shape = w.shape as number[];
    const noise = tf.tensor(seeded(tf.util.sizeFromShape(shape), 100 + i), shape);
    return w.name.includes('moving_variance') || w.name.includes('gamma')
      ? tf.add(tf.scalar(1), tf.mul(tf.scalar(0.1), noise))
      : tf.mul(tf.scalar(0.5), noise);
  });
}

/** One optimizer step on a fixed batch; returns the loss. */
export function trainStep(model: tfl.LayersModel, optimizer: tf.Optimizer): number {
  const loss = tf.tidy((): tf.Scalar => {
    const xs = tf.tensor4d(seeded(smallNetBatch * 12 * 10 * 3, 11), [smallNetBatch, 12, 10, 3]);
    const ys = tf.oneHot(tf.tensor1d([0, 3, 1, 4], 'int32'), 5);
    return optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor),
      true,
    ) as tf.Scalar;
  });
  const value = loss.dataSync()[0] as number;
  loss.dispose();
  return value;
}

export interface StepResult {
  loss: number;
  weights: Float32Array[];
  /** weights after minus weights before the step (the part the gradients decide). */
  deltas: Float32Array[];
}

/** One step of the net from fixed weights on `backend`: loss, weights after, updates. */
export async function oneStep(
  backend: 'cpu' | 'wasm',
  optimizer: 'sgd' | 'adam',
): Promise<StepResult> {
  await tf.setBackend(backend);
  const model = buildSmallNet();
  const init = fixedWeights(model);
  model.setWeights(init);
  const before = init.map((w) => w.dataSync() as Float32Array);
  tf.dispose(init);
  const opt = optimizer === 'sgd' ? tf.train.sgd(0.1) : tf.train.adam(0.01);
  const loss = trainStep(model, opt);
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  const deltas = weights.map((w, i) => w.map((v, j) => v - (before[i]![j] as number)));
  opt.dispose();
  model.dispose();
  return { loss, weights, deltas };
}
