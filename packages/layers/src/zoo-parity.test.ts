import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PARITY_BACKENDS, useBackend } from './__tests__/helpers.js';
import {
  loadZooCases,
  scaledError,
  zooFixtureKeys,
  type ZooCase,
} from './__tests__/zoo-fixtures.js';
import type { AttentionLayer } from './attention-base.js';
import { createAttention } from './registry.js';

// Every module with a fixture (reference/gen_zoo.py) against PyTorch in float64: the output,
// the input and weight gradients of sum(y * upstream), and the BN statistics after a training
// pass, on every backend a user may pick: cpu, wasm and, where an adapter exists, webgpu.
// Outputs and statistics to 1e-5; gradients, which sum over N·H·W float32 terms, to 1e-4 (webgpu
// meets the same bounds: its worst gradient error is of the same order as cpu's).
const TOLERANCE = 1e-5;
const GRADIENT_TOLERANCE = 1e-4;
const keys = zooFixtureKeys();

interface Outcome {
  output: Float32Array;
  gradInput: Float32Array;
  gradWeights: Float32Array[];
  statistics: Float32Array[];
}

function setUp(c: ZooCase): AttentionLayer {
  const layer = createAttention(c.key, c.options);
  layer.build([null, c.inputShape[1], c.inputShape[2], c.inputShape[3]]);
  expect(layer.getWeights().map((w) => w.shape)).toEqual(c.weights.map((w) => w.shape));
  const weights = c.weights.map((w) => tf.tensor(w.values, w.shape));
  layer.setWeights(weights);
  tf.dispose(weights);
  return layer;
}

function peakOf(values: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < values.length; i++) peak = Math.max(peak, Math.abs(values[i]!));
  return peak;
}

/**
 * A weight gradient's error. A gradient that is zero in exact arithmetic (the bias of a layer
 * followed by batch norm in training: the batch mean removes it) holds only float64 rounding
 * in the fixture, so it is checked as zero: its float32 noise against the case's largest
 * gradient.
 */
function gradientError(actual: Float32Array, expected: number[], c: ZooCase): number {
  const casePeak = Math.max(peakOf(c.gradInput), ...c.gradWeights.map(peakOf));
  if (peakOf(expected) > 1e-9 * casePeak) return scaledError(actual, expected);
  return peakOf(actual) / casePeak;
}

/**
 * One forward pass (training or not) and its gradients, all from the same pass, read
 * asynchronously (webgpu has no synchronous read in Node).
 */
async function run(layer: AttentionLayer, c: ZooCase): Promise<Outcome> {
  const x = tf.tidy(() => tf.variable(tf.tensor4d(c.input, c.inputShape), true));
  const upstream = tf.tensor4d(c.upstream, c.inputShape);
  const vars = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  let y: tf.Tensor | null = null;
  const { grads, value } = tf.variableGrads(() => {
    y = tf.keep(layer.apply(x, { training: c.training }) as tf.Tensor);
    return tf.sum(tf.mul(y, upstream));
  }, [x, ...vars]);
  const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
  const [output, gradInput, ...rest] = await Promise.all([
    read(y!),
    read(grads[x.name]!),
    ...vars.map((v) => read(grads[v.name]!)),
    ...layer.nonTrainableWeights.map((w) => read(w.read())),
  ]);
  tf.dispose([x, upstream, value, y!, ...Object.values(grads)]);
  return {
    output: output!,
    gradInput: gradInput!,
    gradWeights: rest.slice(0, vars.length),
    statistics: rest.slice(vars.length),
  };
}

describe.each(PARITY_BACKENDS)('zoo parity with PyTorch on %s', (backend) => {
  const worst = new Map<string, number>();
  const worstGradient = new Map<string, number>();
  beforeAll(async () => useBackend(backend));
  afterAll(() => {
    const rows = [...worst].map(
      ([k, e]) =>
        `${k}: ${e.toExponential(2)} (gradients ${worstGradient.get(k)?.toExponential(2)})`,
    );
    console.log(`[${backend}] max scaled error vs PyTorch float64: ${rows.join(', ')}`);
  });

  describe.each(keys)('%s', (key) => {
    const cases = loadZooCases(key);
    const gradientSeen: boolean[] = [];

    it.each(
      cases.map(
        (c, i) =>
          [
            `${i}: ${c.training ? 'training' : 'inference'} ${c.inputShape.join('x')} ${JSON.stringify(c.options)}`,
            c,
          ] as const,
      ),
    )('%s', async (_label, c) => {
      const layer = setUp(c);
      const got = await run(layer, c);
      const values = [
        scaledError(got.output, c.output),
        ...(c.statisticsAfter ?? []).map((s, i) => scaledError(got.statistics[i]!, s)),
      ];
      const gradients = [
        scaledError(got.gradInput, c.gradInput),
        ...got.gradWeights.map((g, i) => gradientError(g, c.gradWeights[i]!, c)),
      ];
      const report = `output/statistics ${values.map((e) => e.toExponential(2)).join(', ')}; gradients ${gradients.map((e) => e.toExponential(2)).join(', ')}`;
      worst.set(key, Math.max(worst.get(key) ?? 0, ...values));
      worstGradient.set(key, Math.max(worstGradient.get(key) ?? 0, ...gradients));
      expect(
        values.every((e) => e < TOLERANCE),
        report,
      ).toBe(true);
      expect(
        gradients.every((e) => e < GRADIENT_TOLERANCE),
        report,
      ).toBe(true);
      got.gradWeights.forEach((g, i) => {
        gradientSeen[i] = (gradientSeen[i] ?? false) || g.some((v) => v !== 0);
      });
      for (const w of layer.weights) w.dispose();
    });

    it('every trainable weight receives a non-zero gradient in some case', () => {
      expect(gradientSeen.every(Boolean)).toBe(true);
      expect(gradientSeen.length).toBe(cases[0]!.gradWeights.length);
    });

    it('leaks no tensor over repeated forward + backward passes', async () => {
      const c = cases.find((k) => k.training) ?? cases[0]!;
      const layer = setUp(c);
      await run(layer, c);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await run(layer, c);
      expect(tf.memory().numTensors).toBe(before);
      for (const w of layer.weights) w.dispose();
    });
  });
});
