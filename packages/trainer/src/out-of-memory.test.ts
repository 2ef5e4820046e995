import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { outOfMemoryModel } from './__fixtures__/oom-layer.js';
import { quadrants } from './__fixtures__/tiny.js';
import { useBackend } from './backend.js';
import { BackendOutOfMemoryError, isOutOfMemory } from './io-errors.js';
import { createOptimizer } from './optimizers.js';
import { train } from './train.js';

// Workers import the built fixture (the source one is TypeScript).
const FIXTURE = new URL('../dist/__fixtures__/oom-layer.js', import.meta.url).href;

beforeAll(async () => {
  await useBackend('wasm', { onWarning: () => {} });
});

const options = () => ({
  model: outOfMemoryModel(),
  data: { train: quadrants({ numExamples: 24, batchSize: 12, seed: 1 }) },
  optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }),
  epochs: 1,
  progress: false,
});

describe('a backend out of memory during a step', () => {
  it('recognises what wasm throws, and not unrelated errors', () => {
    const { RuntimeError } = (
      globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }
    ).WebAssembly;
    expect(isOutOfMemory(new RuntimeError('memory access out of bounds'))).toBe(true);
    expect(
      isOutOfMemory(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded')),
    ).toBe(true);
    expect(isOutOfMemory(new RuntimeError('Aborted(OOM)'))).toBe(true);
    expect(isOutOfMemory(new Error('Error in matMul: inner shapes (3) and (4) must match'))).toBe(
      false,
    );
    expect(isOutOfMemory('memory access out of bounds')).toBe(false);
  });

  it('train() on this thread says the backend ran out of memory and names the batch size', async () => {
    const run = options();
    const before = tf.memory().numTensors;
    const error = await train(run).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendOutOfMemoryError);
    const e = error as BackendOutOfMemoryError;
    expect([e.backend, e.batchSize]).toEqual(['wasm', 12]);
    expect(e.hintOption).toEqual({ option: 'batchSize', value: 6 });
    expect(e.message).toMatch(
      /backend 'wasm' ran out of memory during a training step with batch size 12 \(memory access out of bounds\)\. Use a smaller batch size/,
    );
    expect((e.cause as Error).message).toBe('memory access out of bounds');
    // The failed step left no tensor behind.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('train({ dataParallel }) reports a worker out of memory the same way', async () => {
    const error = await train({
      ...options(),
      dataParallel: { workers: 2, imports: [FIXTURE] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendOutOfMemoryError);
    const e = error as BackendOutOfMemoryError;
    expect([e.backend, e.batchSize]).toEqual(['wasm', 12]);
    expect(e.message).toMatch(/worker \d: memory access out of bounds/);
  });
});
