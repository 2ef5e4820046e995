import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type * as tfl from '@tensorflow/tfjs-layers';
import { registerWasmTrainingKernels } from '@sevar/wasm-kernels';
import { afterAll, describe, expect, it } from 'vitest';

import { fillDeterministic, relativeError } from './__tests__/helpers.js';
import { efficientnetB0 } from './efficientnet.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV3Small } from './mobilenet-v3.js';

/**
 * Loss gradients of every trainable weight. BN runs on its moving statistics: in training mode
 * the 1x1 maps of the last stages normalise over two values, which makes the comparison
 * ill-conditioned, and a BN whose output only feeds another conv + BN has an exactly-zero beta
 * gradient that both backends return as rounding noise.
 */
function gradients(
  model: tfl.LayersModel,
  x: tf.Tensor,
  labels: tf.Tensor,
  training = false,
): Float32Array[] {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads, value } = tf.variableGrads(
    () =>
      tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training }) as tf.Tensor) as tf.Scalar,
    vars,
  );
  const out = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([grads as never, value]);
  return out;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

// Depthwise convolutions (3x3 and 5x5, strides 1 and 2), hard-swish, SiLU, the built-in SE and
// the residual adds, on 16x16 inputs (down to 1x1 at the end): every weight's gradient on wasm
// with @sevar/wasm-kernels equals the cpu backend's (worst measured: 3.8e-6 relative). Dropout
// and stochastic depth are off: their random masks differ between backends.
describe('the mobile networks train on wasm: gradients equal the cpu backend', () => {
  it.each([
    [
      'mobilenet_v2',
      () =>
        mobilenetV2({ numClasses: 10, inputShape: [16, 16, 3], dropout: 0, widthMultiplier: 0.25 }),
    ],
    [
      'mobilenet_v3_small',
      () => mobilenetV3Small({ numClasses: 10, inputShape: [16, 16, 3], dropout: 0 }),
    ],
    [
      'efficientnet_b0',
      () =>
        efficientnetB0({ numClasses: 10, inputShape: [16, 16, 3], dropout: 0, stochasticDepth: 0 }),
    ],
  ] as const)('%s', async (_name, build) => {
    await tf.setBackend('cpu');
    const model = build();
    fillDeterministic(model, 4);
    const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 8);
    const labels = tf.oneHot(tf.tensor1d([3, 8], 'int32'), 10);
    const onCpu = gradients(model, x, labels);
    expect(await tf.setBackend('wasm')).toBe(true);
    registerWasmTrainingKernels();
    const before = tf.memory().numTensors;
    const onWasm = gradients(model, x, labels);
    expect(tf.memory().numTensors).toBe(before);
    const names = model.trainableWeights.map((w) => w.originalName);
    const worst = onCpu
      .map((g, i) => [names[i]!, relativeError(onWasm[i]!, g)] as const)
      .sort((a, b) => b[1] - a[1]);
    if (process.env.SEVAR_PRINT_PARITY) console.log(worst[0]);
    expect(worst[0]![1], `worst: ${worst[0]![0]}`).toBeLessThan(1e-4);
    // Every depthwise kernel got a gradient.
    const dw = onWasm.filter((_, i) => names[i]!.endsWith('depthwise_kernel'));
    expect(dw.length).toBeGreaterThan(5);
    for (const g of dw) expect(g.some((v) => v !== 0)).toBe(true);
    tf.dispose([x, labels]);
    model.dispose();
  });
});
