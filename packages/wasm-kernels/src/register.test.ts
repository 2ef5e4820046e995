import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { seeded } from './__tests__/helpers.js';
import {
  TrainingKernelError,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  wasmTrainingKernelNames,
} from './index.js';

describe('registerWasmTrainingKernels', () => {
  it('registers the conv gradient kernels the wasm backend lacks, once', async () => {
    await tf.setBackend('wasm');
    const names = registerWasmTrainingKernels();
    expect(names).toEqual([...wasmTrainingKernelNames]);
    expect(names).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
      ]),
    );
    const first = names.map((n) => tf.getKernel(n, 'wasm'));
    expect(registerWasmTrainingKernels()).toEqual(names);
    // A second call keeps the same kernel objects (no re-registration warnings, no stacking).
    expect(names.map((n) => tf.getKernel(n, 'wasm'))).toEqual(first);
  });

  it('unregistering restores what wasm had: nothing for dW, its own kernel for dX', async () => {
    await tf.setBackend('wasm');
    registerWasmTrainingKernels();
    const ours = tf.getKernel('Conv2DBackpropInput', 'wasm');
    unregisterWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    const stock = tf.getKernel('Conv2DBackpropInput', 'wasm');
    expect(stock).toBeDefined();
    expect(stock).not.toBe(ours);
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('rejects channels-first gradients with a typed error naming the kernel', async () => {
    await tf.setBackend('wasm');
    registerWasmTrainingKernels();
    const run = (): unknown =>
      tf.tidy(() =>
        tf.engine().runKernel(
          'Conv2DBackpropFilter',
          {
            x: tf.tensor4d(seeded(2 * 3 * 5 * 5, 1), [2, 3, 5, 5]),
            dy: tf.tensor4d(seeded(2 * 4 * 3 * 3, 2), [2, 4, 3, 3]),
          },
          { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] },
        ),
      );
    expect(run).toThrow(TrainingKernelError);
    expect(run).toThrow(/Conv2DBackpropFilter: dataFormat: expected 'NHWC'.*received "NCHW"$/);
  });
});
