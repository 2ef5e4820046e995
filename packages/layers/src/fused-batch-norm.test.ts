import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_TRAINING_KERNELS, Rng } from '@sevar/core';
import { useBackend } from './__tests__/helpers.js';
import { batchNormTrainingFused, fuseBatchNormTraining } from './fused-batch-norm.js';

function values(n: number, seed: number, offset = 0): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 4 - 1 + offset);
}

function bnNet(shape: number[], args: { center?: boolean } = {}) {
  const model = tfl.sequential({
    layers: [
      tfl.layers.batchNormalization({ inputShape: shape, momentum: 0.9, epsilon: 1e-5, ...args }),
    ],
  });
  const c = shape[shape.length - 1]!;
  const n = model.getWeights().length;
  const init = [
    tf.tensor1d(Array.from({ length: c }, (_, i) => 0.5 + 0.1 * i)),
    tf.tensor1d(Array.from({ length: c }, (_, i) => 0.2 - 0.05 * i)),
    tf.tensor1d(Array.from({ length: c }, (_, i) => 0.1 * i)),
    tf.tensor1d(Array.from({ length: c }, (_, i) => 1 + 0.2 * i)),
  ].slice(4 - n);
  model.setWeights(init);
  tf.dispose(init);
  return model;
}

/** Output, gradients (x, then each trainable weight) and moving statistics after two calls. */
function trainingPass(model: tfl.LayersModel, x: tf.Tensor, r: tf.Tensor) {
  return tf.tidy(() => {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const y = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    const grads = tf.grads((xx: tf.Tensor, ..._vs: tf.Tensor[]) =>
      tf.sum(tf.mul(model.apply(xx, { training: true }) as tf.Tensor, r)),
    )([x, ...vars]);
    return {
      y: Array.from(y),
      grads: grads.map((g) => Array.from(g.dataSync())),
      stats: model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync())),
    };
  });
}

function maxRel(a: number[], b: number[]): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / (s || 1);
}

/** Batch norm's input gradient in float64, from its definition (biased batch variance). */
function referenceDx(x: Float32Array, dy: Float32Array, gamma: number[], c: number): number[] {
  const m = x.length / c;
  const out = new Array<number>(x.length);
  for (let ch = 0; ch < c; ch++) {
    let mu = 0;
    for (let i = 0; i < m; i++) mu += x[i * c + ch]!;
    mu /= m;
    let v = 0;
    for (let i = 0; i < m; i++) v += (x[i * c + ch]! - mu) ** 2;
    const inv = 1 / Math.sqrt(v / m + 1e-5);
    let md = 0;
    let mdx = 0;
    for (let i = 0; i < m; i++) {
      md += dy[i * c + ch]!;
      mdx += dy[i * c + ch]! * (x[i * c + ch]! - mu) * inv;
    }
    for (let i = 0; i < m; i++) {
      const xhat = (x[i * c + ch]! - mu) * inv;
      out[i * c + ch] = gamma[ch]! * inv * (dy[i * c + ch]! - md / m - (xhat * mdx) / m);
    }
  }
  return out;
}

/** The backends, and on wasm whether its batch-norm kernels run the fused op. */
const setups = [
  { label: 'wasm (batch-norm kernels)', backend: 'wasm', kernels: true },
  { label: 'wasm (tfjs-core ops)', backend: 'wasm', kernels: false },
  { label: 'cpu', backend: 'cpu', kernels: false },
] as const;

/** Kernels the last `f` ran, by name. */
function kernelsRun(f: () => void): Promise<string[]> {
  return tf.profile(f).then((info) => info.kernels.map((k) => k.name));
}

describe.each(setups)('fuseBatchNormTraining on $label', ({ backend, kernels }) => {
  beforeAll(async () => {
    await useBackend(backend);
    if (backend === 'wasm') {
      const { setBatchNormKernelsEnabled } = await import('@sevar/wasm-kernels');
      setBatchNormKernelsEnabled(kernels);
    }
  });
  afterAll(async () => {
    const { setBatchNormKernelsEnabled } = await import('@sevar/wasm-kernels');
    setBatchNormKernelsEnabled(true);
  });

  it.each([
    { shape: [4, 5, 6], n: 6, offset: 0 },
    { shape: [3, 3, 8], n: 16, offset: 300 },
    { shape: [7], n: 10, offset: -2 },
  ])(
    'input $shape x $n (offset $offset): output, gradients and moving statistics match tfjs-layers',
    async ({ shape, n, offset }) => {
      await useBackend(backend);
      const c = shape[shape.length - 1]!;
      const full = [n, ...shape];
      const size = full.reduce((a, b) => a * b, 1);
      const xv = values(size, 1, offset);
      const rv = values(size, 2);
      const x = tf.tensor(xv, full);
      const r = tf.tensor(rv, full);
      const stock = bnNet(shape);
      const fused = bnNet(shape);
      expect(fuseBatchNormTraining(fused)).toBe(1);
      const a = trainingPass(stock, x, r);
      const b = trainingPass(fused, x, r);
      const ran = await kernelsRun(() => trainingPass(fused, x, r));
      expect(ran.includes(BATCH_NORM_TRAINING_KERNELS.forward)).toBe(kernels);
      expect(ran.includes(BATCH_NORM_TRAINING_KERNELS.backward)).toBe(kernels);
      expect(maxRel(b.y, a.y)).toBeLessThan(1e-5);
      a.grads.forEach((g, i) => expect(maxRel(b.grads[i]!, g)).toBeLessThan(1e-4));
      a.stats.forEach((s, i) => expect(maxRel(b.stats[i]!, s)).toBeLessThan(1e-5));
      // Against float64: the fused input gradient is as exact as the composed one.
      const gamma = Array.from({ length: c }, (_, i) => 0.5 + 0.1 * i);
      const ref = referenceDx(xv, rv, gamma, c);
      const errStock = maxRel(a.grads[0]!, ref);
      const errFused = maxRel(b.grads[0]!, ref);
      expect(errFused).toBeLessThan(Math.max(2 * errStock, 1e-6));
      tf.dispose([x, r]);
      stock.dispose();
      fused.dispose();
    },
  );
});

describe('fuseBatchNormTraining', () => {
  it('leaves inference bit-identical, is idempotent, reaches nested models, skips what it cannot fuse', async () => {
    await useBackend('wasm');
    const inner = bnNet([4, 4, 3]);
    const outer = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [4, 4, 3], filters: 3, kernelSize: 1 }),
        inner,
        tfl.layers.batchNormalization({ axis: 1 }),
      ],
    });
    const x = tf.tensor4d(values(2 * 48, 3), [2, 4, 4, 3]);
    const before = (outer.predict(x) as tf.Tensor).dataSync();
    expect(fuseBatchNormTraining(outer)).toBe(1);
    expect(fuseBatchNormTraining(outer)).toBe(1);
    expect(Array.from((outer.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(before));
    // A channel axis other than the last trains through tfjs-layers' code: still works.
    const y = outer.apply(x, { training: true }) as tf.Tensor;
    expect(y.shape).toEqual([2, 4, 4, 3]);
    tf.dispose([x, y]);
    // Without a learned shift (or scale) tfjs-layers' code is kept.
    const noCenter = bnNet([3], { center: false });
    expect(fuseBatchNormTraining(noCenter)).toBe(0);
  });

  it('on = false puts tfjs-layers training back (bit for bit), true fuses again', async () => {
    await useBackend('wasm');
    const x = tf.tensor(values(6 * 5, 5, 3), [6, 5]);
    const r = tf.tensor(values(6 * 5, 6), [6, 5]);
    const stock = bnNet([5]);
    const layer = bnNet([5]);
    const outputs = () => [stock, layer].map((m) => trainingPass(m, x, r).y);
    const [reference] = outputs();
    const bn = layer.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
    expect(batchNormTrainingFused(bn)).toBe(false);
    expect(fuseBatchNormTraining(layer)).toBe(1);
    expect(batchNormTrainingFused(bn)).toBe(true);
    expect(fuseBatchNormTraining(layer, false)).toBe(1);
    expect(batchNormTrainingFused(bn)).toBe(false);
    expect(Array.from(outputs()[1]!)).toEqual(Array.from(reference!));
    fuseBatchNormTraining(layer, true);
    expect(maxRel(outputs()[1]!, reference!)).toBeLessThan(1e-5);
    tf.dispose([x, r]);
  });

  it('holds less memory through a training step and leaks nothing', async () => {
    await useBackend('wasm');
    const net = () =>
      tfl.sequential({
        layers: [
          tfl.layers.conv2d({
            inputShape: [16, 16, 3],
            filters: 16,
            kernelSize: 3,
            padding: 'same',
          }),
          tfl.layers.batchNormalization(),
          tfl.layers.activation({ activation: 'relu' }),
          tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same' }),
          tfl.layers.batchNormalization(),
          tfl.layers.activation({ activation: 'relu' }),
          tfl.layers.globalAveragePooling2d({}),
          tfl.layers.dense({ units: 10 }),
        ],
      });
    const stock = net();
    const fused = net();
    fused.setWeights(stock.getWeights());
    fuseBatchNormTraining(fused);
    const x = tf.tensor4d(values(8 * 16 * 16 * 3, 4), [8, 16, 16, 3]);
    const peak = async (model: tfl.LayersModel) => {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const step = () => {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)),
          vars,
        );
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const tensors = tf.memory().numTensors;
      const info = await tf.profile(step);
      expect(tf.memory().numTensors).toBe(tensors);
      return info.peakBytes;
    };
    const [p0, p1] = [await peak(stock), await peak(fused)];
    console.log(`conv-BN-ReLU x2 step, peak tensor bytes: tfjs-layers BN ${p0}, fused ${p1}`);
    expect(p1).toBeLessThan(p0);
    x.dispose();
  });
});
