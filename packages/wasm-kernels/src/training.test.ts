import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, maxRelativeError, seeded } from './__tests__/helpers.js';
import { buildSmallNet, oneStep, trainStep } from './__tests__/small_net.js';
import { registerWasmTrainingKernels } from './index.js';

describe('a small SE conv net trains on wasm like on cpu', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });

  it.each(['sgd', 'adam'] as const)(
    'one %s step from identical weights ends with matching weights',
    async (opt) => {
      const cpu = await oneStep('cpu', opt);
      const wasm = await oneStep('wasm', opt);
      expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-4);
      expect(wasm.weights.length).toBe(cpu.weights.length);
      let worstWeight = 0;
      let worstDelta = 0;
      cpu.weights.forEach((ref, i) => {
        worstWeight = Math.max(worstWeight, maxRelativeError(wasm.weights[i]!, ref));
        worstDelta = Math.max(worstDelta, maxRelativeError(wasm.deltas[i]!, cpu.deltas[i]!));
        // Every weight tensor (BN moving statistics included) must have moved.
        expect(Math.max(...cpu.deltas[i]!.map(Math.abs))).toBeGreaterThan(0);
      });
      console.log(
        `small net, one ${opt} step, wasm vs cpu: worst weight relative error ` +
          `${worstWeight.toExponential(2)}, worst update relative error ${worstDelta.toExponential(2)}`,
      );
      expect(worstWeight).toBeLessThan(1e-4);
      expect(worstDelta).toBeLessThan(1e-4);
    },
  );

  it('leaks no tensors, kernel buffers or wasm heap across training steps', async () => {
    await tf.setBackend('wasm');
    const model = buildSmallNet();
    const opt = tf.train.sgd(0.01);
    for (let i = 0; i < 3; i++) trainStep(model, opt);
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8
      .byteLength;
    for (let i = 0; i < 5; i++) trainStep(model, opt);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    expect(
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength,
    ).toBe(heap);
    opt.dispose();
    model.dispose();
  });
});

describe('each gradient kernel frees its intermediates', () => {
  const calls: Array<[string, () => tf.Tensor]> = [
    [
      'Conv2DBackpropFilter stride 2 valid',
      () => {
        const x = tf.tensor4d(seeded(2 * 9 * 8 * 3, 1), [2, 9, 8, 3]);
        const dy = tf.tensor4d(seeded(2 * 4 * 3 * 4, 2), [2, 4, 3, 4]);
        return tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: [2, 2], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] },
          ) as tf.Tensor;
      },
    ],
    [
      'Conv2DBackpropInput stride 2 with cropped padding',
      () => {
        const dy = tf.tensor4d(seeded(2 * 7 * 6 * 4, 2), [2, 7, 6, 4]);
        const filter = tf.tensor4d(seeded(3 * 3 * 3 * 4, 3), [3, 3, 3, 4]);
        return tf.engine().runKernel(
          'Conv2DBackpropInput',
          { dy, filter },
          {
            strides: [2, 2],
            pad: [
              [0, 0],
              [4, 3],
              [4, 3],
              [0, 0],
            ],
            dataFormat: 'NHWC',
            inputShape: [2, 8, 7, 3],
          },
        ) as tf.Tensor;
      },
    ],
    [
      'Conv2DBackpropInput 1x1 stride 2 with explicit padding',
      () => {
        const dy = tf.tensor4d(seeded(2 * 5 * 5 * 4, 2), [2, 5, 5, 4]);
        const filter = tf.tensor4d(seeded(3 * 4, 3), [1, 1, 3, 4]);
        return tf.engine().runKernel(
          'Conv2DBackpropInput',
          { dy, filter },
          {
            strides: [2, 2],
            pad: [
              [0, 0],
              [1, 2],
              [2, 1],
              [0, 0],
            ],
            dataFormat: 'NHWC',
            inputShape: [2, 8, 8, 3],
          },
        ) as tf.Tensor;
      },
    ],
    [
      'DepthwiseConv2dNativeBackpropFilter multiplier 2',
      () => {
        const x = tf.tensor4d(seeded(2 * 9 * 8 * 3, 1), [2, 9, 8, 3]);
        const dy = tf.tensor4d(seeded(2 * 5 * 4 * 6, 2), [2, 5, 4, 6]);
        return tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x, dy },
            { strides: [2, 2], dilations: [1, 1], pad: 'same', filterShape: [3, 3, 3, 2] },
          ) as tf.Tensor;
      },
    ],
    [
      'DepthwiseConv2dNativeBackpropInput multiplier 2',
      () => {
        const dy = tf.tensor4d(seeded(2 * 5 * 4 * 6, 2), [2, 5, 4, 6]);
        const filter = tf.tensor4d(seeded(3 * 3 * 3 * 2, 3), [3, 3, 3, 2]);
        return tf
          .engine()
          .runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy, filter },
            { strides: [2, 2], dilations: [1, 1], pad: 'same', inputShape: [2, 9, 8, 3] },
          ) as tf.Tensor;
      },
    ],
  ];
  it.each(calls)('%s', async (_name, call) => {
    await tf.setBackend('wasm');
    registerWasmTrainingKernels();
    tf.tidy(() => {
      call();
    });
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    tf.tidy(() => {
      call();
    });
    tf.tidy(() => {
      call();
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
  });
});
