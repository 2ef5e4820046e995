import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { Rng } from '@sevar/core';
import { useBackend } from './__tests__/helpers.js';
import { foldBatchNormInference } from './fold-batch-norm.js';

function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + rng.next() * (hi - lo));
}

const conv = (
  filters: number,
  extra: { strides?: number; useBias?: boolean; activation?: 'relu' } = {},
) => tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, ...extra });
const bn = () => tfl.layers.batchNormalization({ epsilon: 1e-3 });
const relu = () => tfl.layers.activation({ activation: 'relu' });

/**
 * Every case folding meets: conv-BN-ReLU (Activation layer), a biased strided conv-BN-ReLU
 * (ReLU layer), conv-BN into an addition (no ReLU to fuse), a conv whose own ReLU comes before
 * its BN (not foldable), a conv applied twice (shared: not foldable), a BN after a
 * non-conv layer (kept), and a conv-BN that ends the model.
 */
function net(): tfl.LayersModel {
  const input = tfl.input({ shape: [10, 9, 3] });
  let x = relu().apply(bn().apply(conv(6).apply(input))) as tfl.SymbolicTensor;
  x = tfl.layers
    .reLU()
    .apply(bn().apply(conv(8, { strides: 2, useBias: true }).apply(x))) as tfl.SymbolicTensor;
  const branch = bn().apply(conv(8).apply(x)) as tfl.SymbolicTensor;
  x = tfl.layers.add().apply([x, branch]) as tfl.SymbolicTensor;
  x = bn().apply(conv(8, { activation: 'relu' }).apply(x)) as tfl.SymbolicTensor;
  const shared = conv(8);
  x = tfl.layers
    .add()
    .apply([
      bn().apply(shared.apply(x)) as tfl.SymbolicTensor,
      shared.apply(x) as tfl.SymbolicTensor,
    ]) as tfl.SymbolicTensor;
  x = bn().apply(tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x)) as tfl.SymbolicTensor;
  const output = bn().apply(conv(4).apply(x)) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

/** Random weights, with batch-norm statistics far from the identity (as after training). */
function randomise(model: tfl.LayersModel, seed: number): void {
  const weights = model.weights.map((w, i) => {
    const size = tf.util.sizeFromShape(w.shape as number[]);
    const [lo, hi] = w.name.includes('moving_variance')
      ? [0.2, 3]
      : w.name.includes('gamma')
        ? [0.5, 2]
        : [-1, 1];
    return tf.tensor(values(size, seed + i, lo, hi), w.shape as number[]);
  });
  model.setWeights(weights);
  tf.dispose(weights);
}

/** The output of `model.predict` and the kernels it ran. */
async function predict(model: tfl.LayersModel, x: tf.Tensor): Promise<[Float32Array, string[]]> {
  let out: Float32Array | undefined;
  const info = await tf.profile(() => {
    const y = model.predict(x) as tf.Tensor;
    out = y.dataSync() as Float32Array;
    y.dispose();
  });
  return [out!, info.kernels.map((k) => k.name)];
}

function relError(a: Float32Array, b: Float32Array): number {
  let [diff, scale] = [0, 0];
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

describe.each(['cpu', 'wasm'] as const)('foldBatchNormInference on %s', (backend) => {
  it('folds each foldable conv-BN pair and predicts what tfjs-layers does', async () => {
    await useBackend(backend);
    const model = net();
    randomise(model, 1);
    const x = tf.tensor4d(values(2 * 10 * 9 * 3, 7), [2, 10, 9, 3]);
    const [stock, stockKernels] = await predict(model, x);
    expect(foldBatchNormInference(model)).toBe(4);
    const [folded, kernels] = await predict(model, x);
    expect(relError(folded, stock)).toBeLessThan(1e-5);
    // Four of the seven batch norms and both fusable ReLUs are gone from the kernels run; the
    // convolutions are the same in number.
    const count = (names: string[], ...ks: string[]) => names.filter((n) => ks.includes(n)).length;
    expect(count(stockKernels, 'FusedBatchNorm')).toBe(7);
    expect(count(kernels, 'FusedBatchNorm')).toBe(3);
    expect(count(kernels, 'Relu')).toBe(count(stockKernels, 'Relu') - 2);
    expect(count(kernels, 'Conv2D', 'FusedConv2D')).toBe(
      count(stockKernels, 'Conv2D', 'FusedConv2D'),
    );

    // Folds read the current weights: new weights (as after a training step) need nothing redone.
    randomise(model, 2);
    foldBatchNormInference(model, false);
    const [stock2] = await predict(model, x);
    expect(relError(stock2, stock)).toBeGreaterThan(0.01);
    foldBatchNormInference(model);
    expect(relError((await predict(model, x))[0], stock2)).toBeLessThan(1e-5);
    x.dispose();
    model.dispose();
  });

  it('keeps the folded weights while the weights stay, refolds when they change, frees them after', async () => {
    await useBackend(backend);
    const x = tf.tensor4d(values(2 * 10 * 9 * 3, 9), [2, 10, 9, 3]);
    // tfjs-layers leaves a tensor of its own behind when a model like this one is disposed.
    const start = tf.memory().numTensors;
    net().dispose();
    const baseline = tf.memory().numTensors;
    expect(baseline - start).toBeLessThanOrEqual(1);
    const model = net();
    randomise(model, 4);
    const unfolded = async () => {
      foldBatchNormInference(model, false);
      const [y] = await predict(model, x);
      foldBatchNormInference(model);
      return y;
    };
    const [stock, folds] = [await unfolded(), foldBatchNormInference(model)];
    const withModel = tf.memory().numTensors;
    const [first, foldingKernels] = await predict(model, x);
    // Four folds keep a filter and a bias each.
    expect(tf.memory().numTensors).toBe(withModel + 2 * folds);
    const [second, kernels] = await predict(model, x);
    expect(Array.from(second)).toEqual(Array.from(first));
    expect(kernels.filter((k) => k === 'Rsqrt')).toHaveLength(0);
    expect(foldingKernels.filter((k) => k === 'Rsqrt')).toHaveLength(folds);
    expect(relError(first, stock)).toBeLessThan(1e-5);
    // New weights (as an optimizer step assigns them) are folded afresh.
    randomise(model, 5);
    const stock2 = await unfolded();
    expect(relError((await predict(model, x))[0], stock2)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(withModel + 2 * folds);
    // Under a gradient tape the fold is recomputed, so gradients reach the kernels.
    const grad = (): Float32Array =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar,
          model.trainableWeights.slice(0, 1).map((w) => w.read() as tf.Variable),
        );
        // The first convolution's kernel: its batch norm is folded.
        return Object.values(grads)[0]!.dataSync() as Float32Array;
      });
    const folded = grad();
    foldBatchNormInference(model, false);
    expect(relError(folded, grad())).toBeLessThan(1e-4);
    foldBatchNormInference(model);
    // A training-mode call drops what inference kept; so does disposing the model.
    const train = () => tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync());
    train();
    const settled = tf.memory().numTensors;
    await predict(model, x);
    expect(tf.memory().numTensors).toBe(settled + 2 * folds);
    train();
    expect(tf.memory().numTensors).toBe(settled);
    await predict(model, x);
    model.dispose();
    expect(tf.memory().numTensors).toBe(2 * baseline - start);
    x.dispose();
  });

  it('leaves training-mode calls as they were and leaks no tensors', async () => {
    await useBackend(backend);
    const model = net();
    randomise(model, 3);
    const x = tf.tensor4d(values(2 * 10 * 9 * 3, 8), [2, 10, 9, 3]);
    const train = () =>
      tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);
    const before = train();
    randomise(model, 3);
    foldBatchNormInference(model);
    expect(relError(train(), before)).toBe(0);
    (model.predict(x) as tf.Tensor).dispose();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) (model.predict(x) as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    x.dispose();
    model.dispose();
  });
});
