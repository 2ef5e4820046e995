import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { outOfMemoryModel } from './__fixtures__/oom-layer.js';
import { quadrants } from './__fixtures__/tiny.js';
import { useBackend } from './backend.js';
import { BackendOutOfMemoryError, isOutOfMemory } from './io-errors.js';
import { createOptimizer } from './optimizers.js';
import { evaluate, train } from './train.js';

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
    expect([e.backend, e.batchSize, e.phase]).toEqual(['wasm', 12, 'training']);
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

describe('a backend out of memory during evaluation', () => {
  it('evaluate() says so, names the batch size and leaves no tensor behind', async () => {
    const model = outOfMemoryModel('inference');
    const before = tf.memory().numTensors;
    const error = await evaluate(
      model,
      quadrants({ numExamples: 20, batchSize: 10, seed: 2 }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendOutOfMemoryError);
    const e = error as BackendOutOfMemoryError;
    expect([e.backend, e.batchSize, e.phase]).toEqual(['wasm', 10, 'evaluation']);
    expect(e.hintOption).toEqual({ option: 'batchSize', value: 5 });
    expect(e.message).toMatch(
      /backend 'wasm' ran out of memory during evaluation with batch size 10 \(memory access out of bounds\)\. Use a smaller batch size, e\.g\. batchSize: 5\./,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("train() reports it for the epoch's test evaluation, after the steps succeeded", async () => {
    const steps: number[] = [];
    const error = await train({
      ...options(),
      model: outOfMemoryModel('inference'),
      data: {
        train: quadrants({ numExamples: 24, batchSize: 12, seed: 1 }),
        test: quadrants({ numExamples: 16, batchSize: 16, seed: 3 }),
      },
      onStepEnd: (s) => void steps.push(s.step),
    }).catch((e: unknown) => e);
    expect(steps).toEqual([1, 2]);
    expect(error).toBeInstanceOf(BackendOutOfMemoryError);
    expect([
      (error as BackendOutOfMemoryError).batchSize,
      (error as BackendOutOfMemoryError).phase,
    ]).toEqual([16, 'evaluation']);
  });
});
