import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  loadParityCases,
  maxRelativeError,
  PARITY_BACKENDS,
  useBackend,
} from './__tests__/helpers.js';
import { createAttention } from './registry.js';

const cases = loadParityCases();

// Inference must agree with the PyTorch reference on every backend a user may pick.
describe.each(PARITY_BACKENDS)('parity with PyTorch on %s', (backend) => {
  const worst = new Map<string, number>();
  beforeAll(async () => useBackend(backend));
  afterAll(() => {
    const rows = [...worst].map(([v, e]) => `${v}: ${e.toExponential(2)}`);
    console.log(`[${backend}] max relative error per variant vs PyTorch: ${rows.join(', ')}`);
  });

  it.each(
    cases.map(
      (c, i) =>
        [`${i}: ${c.variant} C=${c.inputShape[3]} ${JSON.stringify(c.options)}`, c] as const,
    ),
  )('%s', async (_label, c) => {
    const layer = createAttention(c.variant, c.options);
    layer.build([null, c.inputShape[1], c.inputShape[2], c.inputShape[3]]);
    expect(layer.getWeights().map((w) => w.shape)).toEqual(c.weights.map((w) => w.shape));
    const y = tf.tidy(() => {
      layer.setWeights(c.weights.map((w) => tf.tensor(w.values, w.shape)));
      return layer.apply(tf.tensor4d(c.input, c.inputShape)) as tf.Tensor;
    });
    expect(y.shape).toEqual(c.inputShape);
    // Read asynchronously: webgpu has no synchronous read in Node.
    const err = maxRelativeError(await y.data(), c.output);
    y.dispose();
    worst.set(c.variant, Math.max(worst.get(c.variant) ?? 0, err));
    expect(err).toBeLessThan(1e-5);
    for (const w of layer.weights) w.dispose();
  });
});
