import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's gradients, as it does for every user of the layers.
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';

import { preciseSigmoid } from './sigmoid.js';

beforeAll(async () => useBackend('cpu'));

describe('preciseSigmoid', () => {
  it('is tf.sigmoid forward, and keeps the derivative of a saturated gate exact in float32', () => {
    const a = tf.tensor1d([-14, -3, 0, 2.5, 9, 14]);
    const exact = [-14, -3, 0, 2.5, 9, 14].map(
      (v) => Math.exp(-Math.abs(v)) / (1 + Math.exp(-Math.abs(v))) ** 2,
    );
    const y = preciseSigmoid(a);
    const s = tf.sigmoid(a);
    expect(Array.from(y.dataSync())).toEqual(Array.from(s.dataSync()));
    const g = tf.grad((t: tf.Tensor) => tf.sum(preciseSigmoid(t)))(a);
    Array.from(g.dataSync()).forEach((v, i) =>
      expect(Math.abs(v - exact[i]!) / exact[i]!).toBeLessThan(1e-6),
    );
    // tfjs's own gradient, σ·(1 − σ), has only a few digits left at a = 14 (σ within ulps of 1).
    const plain = tf.grad((t: tf.Tensor) => tf.sum(tf.sigmoid(t)))(a);
    expect(Math.abs(plain.dataSync()[5]! - exact[5]!) / exact[5]!).toBeGreaterThan(1e-3);
    tf.dispose([a, y, s, g, plain]);
  });
});
