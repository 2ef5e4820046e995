import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { lowMemoryVariableGrads } from './grads.js';
import { sparseSoftmaxCrossEntropy } from './loss.js';
import { Rng, withSeed } from './rng.js';
import { resNetLike } from './__tests__/res-net-like.js';

beforeAll(async () => {
  // tf.variableGrads is the reference: tfjs-core's own gradients.
  await useBackend('wasm', { onWarning: () => {}, lowMemoryGradients: false });
});

it('lowMemoryVariableGrads equals tf.variableGrads, leaks nothing and peaks lower', async () => {
  const model = withSeed(3, resNetLike);
  const rng = new Rng(9);
  const xs = tf.tensor4d(
    Float32Array.from({ length: 16 * 16 * 16 * 3 }, () => rng.next() * 2 - 1),
    [16, 16, 16, 3],
  );
  const ys = tf.tensor1d(
    Int32Array.from({ length: 16 }, (_, i) => i % 10),
    'int32',
  );
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = () =>
    sparseSoftmaxCrossEntropy(model.apply(xs, { training: true }) as tf.Tensor2D, ys);
  const run = async (fn: typeof lowMemoryVariableGrads) => {
    let out: { value: number; grads: Float32Array[] } | null = null;
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const { value, grads } = fn(loss, variables);
      out = {
        value: value.dataSync()[0]!,
        grads: variables.map((v) => grads[v.name]!.dataSync() as Float32Array),
      };
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(tf.memory().numTensors).toBe(before);
    return { ...out!, peak: profile.peakBytes };
  };
  const reference = await run(
    (f, vars) => tf.variableGrads(f, vars) as ReturnType<typeof lowMemoryVariableGrads>,
  );
  const low = await run(lowMemoryVariableGrads);
  expect(low.value).toBe(reference.value);
  expect(low.grads.length).toBe(variables.length);
  low.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(reference.grads[i]!)));
  console.log(
    `peak tensor bytes of one gradient: tf.variableGrads ${reference.peak}, lowMemoryVariableGrads ${low.peak}`,
  );
  expect(low.peak).toBeLessThan(reference.peak * 0.8);
  tf.dispose([xs, ys]);
});
