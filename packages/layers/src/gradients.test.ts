import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from './__tests__/helpers.js';
import { createAttention, VARIANT_NAMES } from './registry.js';

beforeAll(async () => useBackend('cpu'));

function gradsOf(
  layer: ReturnType<typeof createAttention>,
  x: tf.Tensor4D,
): Map<string, Float32Array> {
  if (!layer.built) layer.apply(x); // builds inside the layer's name scope, as a model would
  const target = tf.randomNormal(x.shape, 0, 1, 'float32', 3);
  const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const { grads, value } = tf.variableGrads(
    () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, target)) as tf.Scalar,
    vars,
  );
  const out = new Map(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
  tf.dispose([target, value, ...Object.values(grads)]);
  return out;
}

describe('gradients', () => {
  // Positive inputs, kernels and biases keep every hidden ReLU active, so every single
  // weight entry must receive a non-zero gradient; a weight left out of the graph would not.
  const alive = {
    reduction: 4,
    kernelInitializer: tfl.initializers.randomUniform({ minval: 0.01, maxval: 0.1, seed: 5 }),
    biasInitializer: 'ones',
  } as const;

  it.each(VARIANT_NAMES)('%s: every weight entry receives a non-zero gradient', (name) => {
    const layer = createAttention(name, alive);
    const x = tf.randomUniform([3, 4, 5, 12], 0, 1, 'float32', 1) as tf.Tensor4D;
    const grads = gradsOf(layer, x);
    expect(grads.size).toBe(layer.trainableWeights.length);
    for (const [weight, g] of grads) {
      expect(
        g.every((v) => v !== 0 && Number.isFinite(v)),
        `gradient of ${weight}`,
      ).toBe(true);
    }
    x.dispose();
  });

  it('bump conv3x3: only the centre tap of the middle kernel learns (the documented dead weights)', () => {
    const layer = createAttention('bump', { ...alive, bumpKind: 'conv3x3' });
    const x = tf.randomUniform([3, 4, 5, 12], 0, 1, 'float32', 1) as tf.Tensor4D;
    const grads = gradsOf(layer, x);
    const g = [...grads.entries()].find(([k]) => k.includes('fc2/kernel'))![1];
    const m = 3;
    for (let tap = 0; tap < 9; tap++) {
      const block = g.slice(tap * m * m, (tap + 1) * m * m);
      if (tap === 4)
        expect(
          block.every((v) => v !== 0),
          'centre tap',
        ).toBe(true);
      else
        expect(
          block.every((v) => v === 0),
          `tap ${tap}`,
        ).toBe(true);
    }
    x.dispose();
  });
});

describe('memory', () => {
  it.each(VARIANT_NAMES)('%s: repeated forward and backward passes leak no tensors', (name) => {
    const layer = createAttention(name, { reduction: 4 });
    const x = tf.randomNormal([2, 3, 3, 16]) as tf.Tensor4D;
    gradsOf(layer, x); // builds weights
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.dispose(layer.apply(x) as tf.Tensor);
      gradsOf(layer, x);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
