// The kernel threads (the package's kernels split over worker threads on the threaded build's
// shared heap): this file's process starts wasm with two threads and kernel threads on (vitest
// runs each test file in its own process).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BATCH_NORM_TRAINING_KERNELS } from '@sevar/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, seeded } from './__tests__/helpers.js';
import {
  initWasmBackend,
  kernelThreads,
  registerWasmTrainingKernels,
  setKernelThreadsEnabled,
  setWinogradEnabled,
  TrainingKernelError,
} from './index.js';
import { kernelThreadsWanted } from './kernels/kernel_threads.js';
import { setWinogradGemm, winogradPlan } from './kernels/winograd.js';

const root = fileURLToPath(new URL('..', import.meta.url));

beforeAll(async () => {
  registerWasmTrainingKernels();
  expect(await initWasmBackend({ threads: 2, kernelThreads: true })).toEqual({ threads: 2 });
});
afterAll(() => {
  setKernelThreadsEnabled(true);
  setWinogradGemm(undefined);
  setWinogradEnabled(undefined);
});

/**
 * y (biased, with ReLU), dx and dW of a 3x3 same convolution, [n, s, s, ci] → co, each by its
 * kernel (the gradients of a ReLU would hide differences behind its mask).
 */
function convGradients(n: number, s: number, ci: number, co: number): Float32Array[] {
  // Tensors out of the tidy, data after it: tidy walks what it returns, typed arrays included.
  const outputs = tf.tidy(() => {
    const x = tf.tensor4d(seeded(n * s * s * ci, 1), [n, s, s, ci]);
    const w = tf.tensor4d(seeded(9 * ci * co, 2), [3, 3, ci, co]);
    const bias = tf.tensor1d(seeded(co, 3));
    const dy = tf.tensor4d(seeded(n * s * s * co, 4), [n, s, s, co]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
    const y = tf.fused.conv2d({ x, filter: w, bias, strides: 1, pad: 'same', activation: 'relu' });
    const dx = tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy, filter: w },
        { ...attrs, inputShape: x.shape },
      ) as tf.Tensor;
    const dw = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { ...attrs, filterShape: w.shape },
      ) as tf.Tensor;
    return [y, dx, dw];
  });
  const data = outputs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outputs);
  return data;
}

/** `run`'s outputs with the kernels split over the kernel threads, then on the calling thread. */
function splitAndSingle<T>(run: () => T): [T, T] {
  const split = run();
  setKernelThreadsEnabled(false);
  try {
    return [split, run()];
  } finally {
    setKernelThreadsEnabled(true);
  }
}

describe('kernel threads on the threaded build', () => {
  it('start one worker beside the calling thread', () => {
    expect(kernelThreads(tf.backend())).toBe(2);
    setKernelThreadsEnabled(false);
    expect(kernelThreads(tf.backend())).toBe(1);
    setKernelThreadsEnabled(true);
  });

  it.each([
    // Over the threaded build's 8 M work floor. 20 and 100 channels: 5 and 25 vectors, split
    // unevenly; several chunks of tiles each.
    [17, 64, 20, 100],
    [32, 32, 64, 64],
  ])(
    'give the same bits as one thread for y, dx and dW (%i x %i x %i x %i → co)',
    (n, s, ci, co) => {
      const x = { shape: [n, s, s, ci], dtype: 'float32' } as const;
      const plan = winogradPlan(
        x as never,
        [3, 3, ci, co],
        { strides: 1, pad: 'same' },
        tf.backend(),
      );
      expect(plan).not.toBeNull();
      setWinogradEnabled(true);
      const split = convGradients(n, s, ci, co);
      // The same GEMMs on one thread (without kernel threads the convolution's would go to
      // XNNPACK, which rounds differently where the module fuses multiply-adds).
      setWinogradGemm('module');
      setKernelThreadsEnabled(false);
      const single = convGradients(n, s, ci, co);
      setKernelThreadsEnabled(true);
      setWinogradGemm(undefined);
      setWinogradEnabled(false);
      const direct = convGradients(n, s, ci, co);
      setWinogradEnabled(undefined);
      split.forEach((g, i) => {
        const other = single[i]!;
        expect(g.length).toBe(other.length);
        let differing = 0;
        for (let k = 0; k < g.length; k++) if (!Object.is(g[k], other[k])) differing++;
        expect(differing).toBe(0);
        // Winograd F(4x4, 3x3) against the direct convolution: about 1e-5 at these sizes.
        expect(maxRelativeError(g, direct[i]!)).toBeLessThan(5e-5);
      });
    },
  );

  it('split the strided filter gradient and MaxPoolGrad with the same bits as one thread', () => {
    // 3x3 stride 2 (the SIMD implicit-im2col kernel, by input channel: 5 channels, unevenly)
    // and a 3x3 stride-2 max pool (by image: 3 images).
    const run = (): Float32Array[] => {
      const outputs = tf.tidy(() => {
        const x = tf.tensor4d(seeded(3 * 17 * 17 * 5, 11), [3, 17, 17, 5]);
        const dy = tf.tensor4d(seeded(3 * 8 * 8 * 36, 12), [3, 8, 8, 36]);
        const attrs = { strides: 2, pad: 'valid', dataFormat: 'NHWC', dilations: 1 };
        const dw = tf
          .engine()
          .runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 5, 36] });
        const pool = (a: tf.Tensor) =>
          tf.sum(tf.square(tf.maxPool(a as tf.Tensor4D, 3, 2, 'same')));
        const pooledGrad = tf.grad(pool)(x);
        return [dw as tf.Tensor, pooledGrad];
      });
      const data = outputs.map((t) => t.dataSync() as Float32Array);
      tf.dispose(outputs);
      return data;
    };
    const [split, single] = splitAndSingle(run);
    split.forEach((g, i) => {
      expect(Array.from(g)).toEqual(Array.from(single[i]!));
      expect(g.some((v) => v !== 0)).toBe(true);
    });
  });

  it('split the batch-norm passes by rows: the same outputs within float64 summation order', () => {
    // 45 rows of 12 channels over 8 parts; a mean of 5 keeps the centring honest.
    const { forward, backward } = BATCH_NORM_TRAINING_KERNELS;
    const run = (): Float32Array[] => {
      const outputs = tf.tidy(() => {
        const x = tf.tensor3d(
          seeded(5 * 9 * 12, 21).map((v) => v + 5),
          [5, 9, 12],
        );
        const gamma = tf.tensor1d(seeded(12, 22));
        const beta = tf.tensor1d(seeded(12, 23));
        const attrs = { epsilon: 1e-3 };
        const [y, mean, variance] = tf
          .engine()
          .runKernel(forward, { x, gamma, beta }, attrs) as tf.Tensor[];
        const dy = tf.tensor3d(seeded(5 * 9 * 12, 24), [5, 9, 12]);
        const inputs = { dy, x, mean: mean!, variance: variance!, gamma };
        const grads = tf.engine().runKernel(backward, inputs, attrs) as tf.Tensor[];
        return [y!, mean!, variance!, ...grads];
      });
      const data = outputs.map((t) => t.dataSync() as Float32Array);
      tf.dispose(outputs);
      return data;
    };
    const [split, single] = splitAndSingle(run);
    split.forEach((g, i) => expect(maxRelativeError(g, single[i]!)).toBeLessThan(1e-6));
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leak no tensors across calls', () => {
    setWinogradEnabled(true);
    convGradients(2, 16, 16, 16);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) convGradients(2, 16, 16, 16);
    expect(tf.memory().numTensors).toBe(before);
    setWinogradEnabled(undefined);
  });

  it('follow SEVAR_KERNEL_THREADS unless the option says, and name a malformed value', () => {
    const saved = process.env['SEVAR_KERNEL_THREADS'];
    try {
      delete process.env['SEVAR_KERNEL_THREADS'];
      expect(kernelThreadsWanted({})).toBeUndefined();
      process.env['SEVAR_KERNEL_THREADS'] = 'on';
      expect(kernelThreadsWanted({})).toBe(true);
      expect(kernelThreadsWanted({ kernelThreads: false })).toBe(false);
      process.env['SEVAR_KERNEL_THREADS'] = 'sometimes';
      expect(() => kernelThreadsWanted({})).toThrow(TrainingKernelError);
      expect(() => kernelThreadsWanted({})).toThrow(/SEVAR_KERNEL_THREADS.*sometimes/s);
    } finally {
      if (saved === undefined) delete process.env['SEVAR_KERNEL_THREADS'];
      else process.env['SEVAR_KERNEL_THREADS'] = saved;
    }
  });

  it('say why they did not start where they cannot (one thread: the single-threaded build)', () => {
    const script = [
      "import '@tensorflow/tfjs-backend-wasm';",
      "import { initWasmBackend } from './dist/index.js';",
      'console.log(JSON.stringify(await initWasmBackend({ threads: 1, kernelThreads: true })));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      threads: 1,
      kernelThreadsFallbackReason: 'not the threaded build in Node',
    });
  });

  it('let a process exit by itself when its work is done', () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import '@tensorflow/tfjs-backend-wasm';",
      "import { initWasmBackend, kernelThreads, registerWasmTrainingKernels } from './dist/index.js';",
      'registerWasmTrainingKernels();',
      'await initWasmBackend({ threads: 2 });',
      'const y = tf.conv2d(tf.ones([32, 32, 32, 64]), tf.ones([3, 3, 64, 64]), 1, "same");',
      'console.log(JSON.stringify({ parts: kernelThreads(tf.backend()), y: y.dataSync()[0] }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, SEVAR_KERNEL_THREADS: '1' },
    });
    const line = out.trim().split('\n').pop()!;
    // Corner output: 2 x 2 pixels x 64 channels of ones.
    expect(JSON.parse(line)).toEqual({ parts: 2, y: 256 });
  });
});
