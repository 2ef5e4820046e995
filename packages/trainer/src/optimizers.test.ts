import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
// Registers gradient functions.
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { sparseSoftmaxCrossEntropy } from './loss.js';
import { createOptimizer, type OptimizerOptions } from './optimizers.js';

interface Fixture {
  x: number[];
  y: number[];
  w0: number[];
  b0: number[];
  lrFactors: number[];
  configs: {
    name: string;
    kind: 'adadelta' | 'sgd' | 'adam' | 'adamw';
    options: Record<string, number | boolean>;
    steps: { lr: number; loss: number; w: number[]; b: number[] }[];
  }[];
  labelSmoothing: { logits: number[]; labels: number[]; loss: Record<string, number> };
}

const fixture = JSON.parse(
  readFileSync(new URL('./__fixtures__/optimizers.json', import.meta.url), 'utf8'),
) as Fixture;

function toOptions(
  kind: Fixture['configs'][number]['kind'],
  o: Record<string, number | boolean>,
): OptimizerOptions {
  return {
    name: kind,
    lr: o['lr'] as number,
    momentum: o['momentum'] as number | undefined,
    nesterov: o['nesterov'] as boolean | undefined,
    weightDecay: o['weight_decay'] as number | undefined,
    rho: o['rho'] as number | undefined,
    epsilon: o['eps'] as number | undefined,
  };
}

function expectClose(
  actual: ArrayLike<number>,
  expected: number[],
  rtol: number,
  atol: number,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) {
      throw new Error(`element ${i}: expected ${e}, received ${a}`);
    }
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('optimizers match PyTorch 1.13 (reference/optimizers.py)', () => {
  for (const config of fixture.configs) {
    it(`${config.name}: 5 steps with a learning rate changed every step`, () => {
      const before = tf.memory().numTensors;
      const x = tf.tensor2d(fixture.x, [6, 4]);
      const y = tf.tensor1d(fixture.y, 'int32');
      const w = tf.tidy(() =>
        tf.variable(tf.tensor2d(fixture.w0, [4, 3]), true, `w_${config.name}`),
      );
      const b = tf.tidy(() => tf.variable(tf.tensor1d(fixture.b0), true, `b_${config.name}`));
      const optimizer = createOptimizer(toOptions(config.kind, config.options));
      for (const step of config.steps) {
        optimizer.setLearningRate(step.lr);
        const loss = optimizer.minimize(
          () =>
            sparseSoftmaxCrossEntropy(tf.add(tf.matMul(x, w), b) as tf.Tensor2D, y as tf.Tensor1D),
          true,
          [w, b],
        )!;
        expectClose(loss.dataSync(), [step.loss], 1e-5, 1e-7);
        loss.dispose();
        expectClose(w.dataSync(), step.w, 1e-5, 1e-6);
        expectClose(b.dataSync(), step.b, 1e-5, 1e-6);
      }
      optimizer.dispose();
      tf.dispose([x, y, w, b]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('hand-computed updates', () => {
  it('Adadelta first step: delta = sqrt(eps) / sqrt((1 - rho) g^2 + eps) * g', () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, -2, 3]), true, 'adadelta_hand'));
    const g = [0.5, -0.25, 2];
    const optimizer = createOptimizer({ name: 'adadelta', lr: 1, rho: 0.9, epsilon: 1e-6 });
    optimizer.applyGradients([{ name: w.name, tensor: tf.tensor1d(g) }]);
    const expected = [1, -2, 3].map((v, i) => {
      const gi = g[i]!;
      return v - (Math.sqrt(1e-6) / Math.sqrt(0.1 * gi * gi + 1e-6)) * gi;
    });
    expectClose(w.dataSync(), expected, 1e-6, 0);
    optimizer.dispose();
    w.dispose();
  });

  it('SGD momentum + Nesterov + coupled weight decay over two steps', () => {
    // w = 2, g = 1 each step, lr 0.1, momentum 0.9, wd 0.5 -> d = g + wd * w.
    // step 1: d = 1 + 1 = 2, buf = 2, nesterov dir = 2 + 0.9 * 2 = 3.8, w = 2 - 0.38 = 1.62
    // step 2: d = 1 + 0.81 = 1.81, buf = 0.9 * 2 + 1.81 = 3.61, dir = 1.81 + 3.249 = 5.059,
    //         w = 1.62 - 0.5059 = 1.1141
    const w = tf.tidy(() => tf.variable(tf.scalar(2), true, 'sgd_hand'));
    const optimizer = createOptimizer({
      name: 'sgd',
      lr: 0.1,
      momentum: 0.9,
      nesterov: true,
      weightDecay: 0.5,
    });
    const grad = tf.scalar(1);
    optimizer.applyGradients([{ name: w.name, tensor: grad }]);
    expectClose(w.dataSync(), [1.62], 1e-6, 0);
    optimizer.applyGradients([{ name: w.name, tensor: grad }]);
    expectClose(w.dataSync(), [1.1141], 1e-6, 0);
    optimizer.dispose();
    tf.dispose([w, grad]);
  });

  it('SGD momentum matches tfjs-core tf.train.momentum exactly', () => {
    const a = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3]), true, 'sgd_vs_tfjs_a'));
    const b = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3]), true, 'sgd_vs_tfjs_b'));
    const ours = createOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true });
    const theirs = tf.train.momentum(0.05, 0.9, true);
    for (let i = 0; i < 4; i++) {
      const g = tf.tensor1d([0.3 * i, -1, 0.7]);
      ours.applyGradients([{ name: a.name, tensor: g }]);
      theirs.applyGradients([{ name: b.name, tensor: g }]);
      g.dispose();
    }
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    ours.dispose();
    theirs.dispose();
    tf.dispose([a, b]);
  });

  it('decayBiasAndNorm: false leaves rank-1 weights undecayed', () => {
    const k = tf.tidy(() => tf.variable(tf.tensor2d([[1]]), true, 'decay_k'));
    const bias = tf.tidy(() => tf.variable(tf.tensor1d([1]), true, 'decay_b'));
    const optimizer = createOptimizer({
      name: 'sgd',
      lr: 1,
      weightDecay: 0.1,
      decayBiasAndNorm: false,
    });
    const zk = tf.zeros([1, 1]);
    const zb = tf.zeros([1]);
    optimizer.applyGradients([
      { name: k.name, tensor: zk },
      { name: bias.name, tensor: zb },
    ]);
    expectClose(k.dataSync(), [0.9], 1e-7, 0);
    expectClose(bias.dataSync(), [1], 0, 0);
    optimizer.dispose();
    tf.dispose([k, bias, zk, zb]);
  });

  it('getWeights/setWeights round trip continues identically', async () => {
    const run = async (restore: boolean): Promise<Float32Array> => {
      const w = tf.tidy(() => tf.variable(tf.tensor1d([0.5, -0.5]), true));
      let opt = createOptimizer({ name: 'adam', lr: 0.1 });
      const g = tf.tensor1d([0.2, 0.4]);
      for (let i = 0; i < 3; i++) {
        if (i === 2 && restore) {
          const saved = await opt.getWeights();
          const copies = saved.map((s) => ({ name: s.name, tensor: tf.clone(s.tensor) }));
          opt.dispose();
          saved.forEach((s) => {
            if (!(s.tensor instanceof tf.Variable)) s.tensor.dispose();
          });
          opt = createOptimizer({ name: 'adam', lr: 0.1 });
          await opt.setWeights(copies);
          tf.dispose(copies.map((c) => c.tensor));
        }
        opt.applyGradients([{ name: w.name, tensor: g }]);
      }
      const out = w.dataSync() as Float32Array;
      opt.dispose();
      tf.dispose([w, g]);
      return out;
    };
    const before = tf.memory().numTensors;
    expect(Array.from(await run(true))).toEqual(Array.from(await run(false)));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects unknown names and bad options with the valid values', () => {
    expect(() => createOptimizer({ name: 'rmsprop' as 'sgd', lr: 1 })).toThrow(
      /createOptimizer: name: expected one of 'adadelta', 'sgd', 'adam', 'adamw', received "rmsprop"/,
    );
    expect(() => createOptimizer({ name: 'sgd', lr: 1, nesterov: true })).toThrow(
      InvalidOptionError,
    );
    expect(() => createOptimizer({ name: 'sgd', lr: -1 })).toThrow(/lr/);
  });
});

describe('sparseSoftmaxCrossEntropy', () => {
  it('matches PyTorch cross_entropy with label smoothing', () => {
    const { logits, labels, loss } = fixture.labelSmoothing;
    const l = tf.tensor2d(logits, [3, 4]);
    const y = tf.tensor1d(labels, 'int32');
    for (const [eps, expected] of Object.entries(loss)) {
      const value = sparseSoftmaxCrossEntropy(l, y, Number(eps));
      expectClose(value.dataSync(), [expected], 1e-6, 0);
      value.dispose();
    }
    tf.dispose([l, y]);
  });
});

describe('why tfjs-core optimizers are not used for Adadelta', () => {
  it("tf.train.adadelta's first step differs from PyTorch (it divides by the old accumulator)", () => {
    const config = fixture.configs.find((c) => c.name === 'adadelta')!;
    const x = tf.tensor2d(fixture.x, [6, 4]);
    const y = tf.tensor1d(fixture.y, 'int32');
    const w = tf.tidy(() => tf.variable(tf.tensor2d(fixture.w0, [4, 3]), true, 'w_tfjs_adadelta'));
    const b = tf.tidy(() => tf.variable(tf.tensor1d(fixture.b0), true, 'b_tfjs_adadelta'));
    const optimizer = tf.train.adadelta(1.0, 0.9, 1e-6);
    tf.dispose(
      optimizer.minimize(
        () =>
          sparseSoftmaxCrossEntropy(tf.add(tf.matMul(x, w), b) as tf.Tensor2D, y as tf.Tensor1D),
        true,
        [w, b],
      )!,
    );
    // Its first update is the raw gradient (sqrt(eps) / sqrt(eps) = 1); PyTorch's is about
    // sqrt(eps / (1 - rho)) * sign(g) = 0.003 * sign(g), tens of times smaller here.
    const moved = Math.abs(w.dataSync()[0]! - fixture.w0[0]!);
    const torchMoved = Math.abs(config.steps[0]!.w[0]! - fixture.w0[0]!);
    expect(moved / torchMoved).toBeGreaterThan(10);
    optimizer.dispose();
    tf.dispose([x, y, w, b]);
  });
});
