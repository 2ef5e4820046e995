import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { VARIANT_NAMES } from '@sevar/layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { fillDeterministic, useCpu } from './__tests__/helpers.js';
import { cnn3 } from './cnn3.js';
import { resnet18 } from './resnet.js';

beforeAll(useCpu);

/** One SGD step in training mode (BN uses batch statistics); returns the names of unchanged weights. */
function stepAndFindUnchanged(
  model: tfl.LayersModel,
  xShape: number[],
  numClasses: number,
): string[] {
  // Fixed weights and input make the test deterministic: with random init and zero biases, an SE
  // layer with m = 4 hidden units can start with all its ReLUs dead, and fc1 then gets no gradient.
  fillDeterministic(model, 21);
  const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
  const x = tf.randomUniform(xShape, -1, 1, 'float32', 11);
  const labels = tf.tidy(() =>
    tf.oneHot(tf.tensor1d([1, 0, 3, 2].slice(0, xShape[0]), 'int32'), numClasses),
  );
  const optimizer = tf.train.sgd(0.1);
  const cost = optimizer.minimize(
    () => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    },
    true,
    model.trainableWeights.map((w) => w.read() as tf.Variable),
  );
  expect(Number.isFinite(cost!.dataSync()[0])).toBe(true);
  tf.dispose([cost!, x, labels]);
  optimizer.dispose();
  return model.trainableWeights
    .filter((w, i) => {
      const after = w.read().dataSync();
      return after.every((v, j) => v === before[i]![j]);
    })
    .map((w) => w.originalName);
}

describe('one training step on the cpu backend changes every trainable weight', () => {
  // The cpu backend's filter gradient is slow: the smallest inputs each model accepts keep a step
  // to about a second while every weight still takes part.
  it.each([null, ...VARIANT_NAMES])('cnn3 %s (18x18 input)', (attention) => {
    const start = tf.memory().numTensors;
    const model = cnn3({ attention, numClasses: 10, inputShape: [18, 18, 3] });
    expect(stepAndFindUnchanged(model, [2, 18, 18, 3], 10)).toEqual([]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('cnn3 slow-squeeze replace-conv2 (14x14 input)', () => {
    const start = tf.memory().numTensors;
    const model = cnn3({
      attention: 'slow-squeeze',
      numClasses: 10,
      attentionPlacement: 'replace-conv2',
      inputShape: [14, 14, 3],
    });
    expect(stepAndFindUnchanged(model, [2, 14, 14, 3], 10)).toEqual([]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('resnet18 cifar slow-squeeze-slow-excite (8x8 input), and BN moving statistics move too', () => {
    const start = tf.memory().numTensors;
    const model = resnet18({
      attention: 'slow-squeeze-slow-excite',
      numClasses: 10,
      stem: 'cifar',
      inputShape: [8, 8, 3],
    });
    // getWeights() hands out the live variables: read them, never dispose them.
    const movingMean = () =>
      model.getLayer('stage4_block2_bn2').getWeights()[2]!.dataSync().slice();
    const meanBefore = movingMean();
    expect(stepAndFindUnchanged(model, [2, 8, 8, 3], 10)).toEqual([]);
    expect(movingMean()).not.toEqual(meanBefore);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
