import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { lowMemoryGradientsOn, setLowMemoryGradients } from './grads.js';
import { sparseSoftmaxCrossEntropy } from './loss.js';
import { Rng, withSeed } from './rng.js';
import { resNetLike } from './__tests__/res-net-like.js';

afterAll(() => setLowMemoryGradients(false));

/** Runs `fn` with tfjs's own gradients, then with the low-memory ones. */
async function both<T>(fn: () => T | Promise<T>): Promise<[T, T]> {
  setLowMemoryGradients(false);
  const stock = await fn();
  setLowMemoryGradients(true);
  const low = await fn();
  return [stock, low];
}

function uniform(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.next() * 2 - 1),
    shape,
  );
}

const values = (ts: (tf.Tensor | undefined)[]) =>
  ts.map((t) => (t === undefined ? undefined : Array.from(t.dataSync())));

describe.each(['cpu', 'wasm'] as const)('setLowMemoryGradients on %s', (backend) => {
  it('useBackend turns it on by default and off with lowMemoryGradients: false', async () => {
    await useBackend(backend, { onWarning: () => {}, lowMemoryGradients: false });
    expect(lowMemoryGradientsOn()).toBe(false);
    await useBackend(backend, { onWarning: () => {} });
    expect(lowMemoryGradientsOn()).toBe(true);
    setLowMemoryGradients(true); // idempotent
    setLowMemoryGradients(false);
    setLowMemoryGradients(false);
    expect(lowMemoryGradientsOn()).toBe(false);
  });

  it('optimizer.minimize of a ResNet-like step: the same weights bit for bit, lower peak, no leak', async () => {
    const xs = uniform([8, 16, 16, 3], 1);
    const ys = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
    const [stock, low] = await both(async () => {
      const model = withSeed(3, resNetLike);
      const optimizer = tf.train.momentum(0.05, 0.9);
      const before = tf.memory().numTensors;
      let loss = 0;
      const profile = await tf.profile(() => {
        for (let step = 0; step < 2; step++) {
          const l = optimizer.minimize(
            () => sparseSoftmaxCrossEntropy(model.apply(xs, { training: true }) as tf.Tensor2D, ys),
            true,
          )!;
          loss = l.dataSync()[0]!;
          l.dispose();
        }
      });
      // The optimizer's momentum slots are the only tensors a step adds.
      const slots = tf.memory().numTensors - before;
      const weights = values(model.getWeights());
      optimizer.dispose();
      model.dispose();
      return { loss, weights, peak: profile.peakBytes, slots };
    });
    expect(low.loss).toBe(stock.loss);
    expect(low.weights).toEqual(stock.weights);
    expect(low.slots).toBe(stock.slots);
    expect(low.peak).toBeLessThan(stock.peak * 0.8);
    tf.dispose([xs, ys]);
  });

  it('tf.grads with tensors (not variables), a given dy and an op with several outputs', async () => {
    const a = uniform([4, 6], 2);
    const b = uniform([6, 3], 3);
    const dy = uniform([2, 3], 4);
    const f = (x: tf.Tensor, w: tf.Tensor) => {
      const [top, bottom] = tf.split(tf.matMul(x, w), 2, 0) as [tf.Tensor, tf.Tensor];
      return tf.add(tf.mul(tf.relu(top), bottom), tf.square(top));
    };
    const [stock, low] = await both(() =>
      tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads(f)([a, b], dy);
        return values([value, ...grads]);
      }),
    );
    expect(low).toEqual(stock);
    expect(dy.isDisposed).toBe(false);
    tf.dispose([a, b, dy]);
  });

  it('the same errors as tfjs, and the tape is left clean after one', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const unrelated = tf.tensor1d([4, 5, 6]);
    const [stock, low] = await both(() => {
      const before = tf.memory().numTensors;
      const messages = [
        () => tf.grad(() => tf.sum(unrelated))(x),
        () => tf.grad((v: tf.Tensor) => tf.sum(v))(x, tf.scalar(1, 'int32')),
        () =>
          tf.grad((v: tf.Tensor) => {
            tf.square(v);
            throw new Error('f failed');
          })(x),
      ].map((fn) => {
        try {
          fn();
          return 'no error';
        } catch (error) {
          return (error as Error).message;
        }
      });
      return { messages, left: tf.memory().numTensors - before };
    });
    expect(low.messages).toEqual(stock.messages);
    expect(low.messages[2]).toBe('f failed');
    // Only the int32 dy the test made (tfjs leaves the unrelated sum behind too).
    expect(low.left).toBe(1);
    // Still works after the errors.
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    tf.dispose([x, unrelated, g]);
  });

  it('higher-order gradients are tfjs-core’s own (second derivative of x³)', async () => {
    const x = tf.tensor1d([-1.5, 0.5, 2]);
    const [stock, low] = await both(() =>
      tf.tidy(() => values([tf.grad(tf.grad((v: tf.Tensor) => tf.pow(v, 3)))(x)])),
    );
    expect(low).toEqual(stock);
    expect(low[0]!.map((v) => Math.round(v! * 1e5) / 1e5)).toEqual([-9, 3, 12]);
    x.dispose();
  });
});
