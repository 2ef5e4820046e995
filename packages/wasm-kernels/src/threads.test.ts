// The threaded-SIMD build in Node: this file's process initialises wasm through initWasmBackend
// with two threads (vitest runs each test file in its own process).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendBuffers, maxRelativeError, seeded } from './__tests__/helpers.js';
import { buildSmallNet, oneStep, trainStep } from './__tests__/small_net.js';
import { initWasmBackend, registerWasmTrainingKernels } from './index.js';
import type { WasmBackendThreads } from './index.js';
import { relaxedSimdSupported, setRelaxedSimdEnabled, simdKernels } from './kernels/simd.js';
import { setWinogradEnabled, winogradPlan } from './kernels/winograd.js';

const root = fileURLToPath(new URL('..', import.meta.url));

let started: WasmBackendThreads;
beforeAll(async () => {
  registerWasmTrainingKernels();
  started = await initWasmBackend({ threads: 2 });
});

/** dx, dW and the max-pool gradient of a conv-pool net, flattened, on the active backend. */
function gradients(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(seeded(3 * 14 * 13 * 6, 1), [3, 14, 13, 6]);
    const w = tf.tensor4d(seeded(3 * 3 * 6 * 37, 2), [3, 3, 6, 37]);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.maxPool(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 2, 2, 'valid'));
    return tf
      .grads(f)([x, w])
      .map((g) => g.dataSync() as Float32Array);
  });
}

describe('initWasmBackend({ threads: 2 }) in Node', () => {
  it('starts the threaded build with two XNNPACK threads on a shared heap', () => {
    expect(started).toEqual({ threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    expect(heap.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('runs the SIMD module on the shared heap', () => {
    expect(simdKernels(tf.backend())).not.toBeNull();
  });

  it('reports the threads it has when the backend is already initialised', async () => {
    expect(await initWasmBackend({ threads: 1 })).toEqual({ threads: 2 });
  });
});

describe('on the threaded build, gradients match the cpu backend', () => {
  const relaxedModes = relaxedSimdSupported() ? [true, false] : [false];
  afterAll(() => setRelaxedSimdEnabled(true));

  it.each(relaxedModes)('conv2d dx, dW and MaxPoolGrad (relaxed SIMD %s)', async (relaxed) => {
    setRelaxedSimdEnabled(relaxed);
    await tf.setBackend('cpu');
    const ref = gradients();
    await tf.setBackend('wasm');
    const got = gradients();
    got.forEach((g, i) => expect(maxRelativeError(g, ref[i]!)).toBeLessThan(1e-5));
  });

  it.each(['sgd', 'adam'] as const)('one %s step of the small SE net', async (opt) => {
    const cpu = await oneStep('cpu', opt);
    const wasm = await oneStep('wasm', opt);
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-4);
    cpu.weights.forEach((ref, i) => {
      expect(maxRelativeError(wasm.weights[i]!, ref)).toBeLessThan(1e-4);
      expect(maxRelativeError(wasm.deltas[i]!, cpu.deltas[i]!)).toBeLessThan(1e-4);
    });
  });

  it('leaks no tensors, kernel buffers or heap across training steps', async () => {
    await tf.setBackend('wasm');
    const model = buildSmallNet();
    const opt = tf.train.sgd(0.01);
    for (let i = 0; i < 3; i++) trainStep(model, opt);
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    const bytes = heap.byteLength;
    for (let i = 0; i < 4; i++) trainStep(model, opt);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    expect(heap.buffer.byteLength).toBe(bytes);
    opt.dispose();
    model.dispose();
  });
});

describe('Winograd convolutions on the threaded build', () => {
  afterAll(() => setWinogradEnabled(undefined));

  /** A 3x3 same convolution's output and filter gradient on [n, s, s, c] → c. */
  function convAndGrad(n: number, s: number, c: number): Float32Array[] {
    // Tensors out of the tidy, data after it: tidy walks what it returns, typed arrays included.
    const outputs = tf.tidy(() => {
      const x = tf.tensor4d(seeded(n * s * s * c, 4), [n, s, s, c]);
      const w = tf.tensor4d(seeded(9 * c * c, 5), [3, 3, c, c]);
      const y = tf.conv2d(x, w, 1, 'same');
      const dy = tf.tensor4d(seeded(n * s * s * c, 6), [n, s, s, c]);
      const dw = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x, v as tf.Tensor4D, 1, 'same'), dy)),
      )(w);
      return [y, dw];
    });
    const data = outputs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outputs);
    return data;
  }

  it('takes layers worth it (tiles × Ci × Co ≥ 8 M) and matches the direct convolution', async () => {
    await tf.setBackend('wasm');
    const attrs = { strides: 1, pad: 'same' as const };
    const big = { shape: [32, 32, 32, 64], dtype: 'float32' } as const;
    const small = { shape: [8, 16, 16, 64], dtype: 'float32' } as const;
    const filter = (c: number) => [3, 3, c, c];
    expect(winogradPlan(big as never, filter(64), attrs, tf.backend())).not.toBeNull();
    expect(winogradPlan(small as never, filter(64), attrs, tf.backend())).toBeNull();
    expect(winogradPlan(small as never, filter(64), attrs)).not.toBeNull();
    setWinogradEnabled(true);
    const winograd = convAndGrad(32, 32, 64);
    setWinogradEnabled(false);
    const direct = convAndGrad(32, 32, 64);
    // F(4x4, 3x3) rounds to about 1e-5 of the scale at 64 channels (README: Tile).
    winograd.forEach((g, i) => expect(maxRelativeError(g, direct[i]!)).toBeLessThan(2e-5));
  });
});

describe('a process on the threaded build', () => {
  // XNNPACK's pool threads run for the life of the backend; they must not keep Node alive.
  it.each([2, 1])('with %i thread(s) exits by itself when its work is done', (threads) => {
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import '@tensorflow/tfjs-backend-wasm';",
      "import { initWasmBackend } from './dist/index.js';",
      `const r = await initWasmBackend({ threads: ${threads} });`,
      'const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));',
      'const shared = tf.backend().wasm.HEAPU8.buffer instanceof SharedArrayBuffer;',
      'console.log(JSON.stringify({ ...r, shared, y: y.dataSync()[0] }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const line = out.trim().split('\n').pop()!;
    expect(JSON.parse(line)).toEqual({ threads, shared: threads > 1, y: 64 });
  });
});
