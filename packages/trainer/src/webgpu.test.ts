import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quadrants, tinyModel } from './__fixtures__/tiny.js';
import { useBackend } from './backend.js';
import { BackendNotInstalledError, InvalidOptionError, NonFiniteLossError } from './errors.js';
import { createOptimizer } from './optimizers.js';
import { train } from './train.js';
import { isSoftwareAdapter, prepareWebGpu, WebGpuNotChosen } from './webgpu.js';

// These tests need a WebGPU adapter: on Linux without a GPU, Mesa 24+'s lavapipe (the test
// command installs it on Debian: scripts/system-deps.mjs). They keep models and batches tiny,
// as lavapipe runs on the CPU.
const importModule = (s: string) => import(s) as Promise<Record<string, unknown>>;
const work = mkdtempSync(join(tmpdir(), 'sevar-webgpu-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  await useBackend('webgpu');
});

describe("useBackend('webgpu')", () => {
  it('sets webgpu through navigator.gpu and reports the adapter', async () => {
    const info = await useBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info).toMatchObject({ name: 'webgpu', tfName: 'webgpu', version: '4.22.0' });
    const adapter = info.adapter!;
    expect(adapter.vendor.length + adapter.description.length).toBeGreaterThan(0);
    expect(adapter.software).toBe(isSoftwareAdapter(adapter));
    // Node 20 had no navigator (one was made); Node 21+ keeps its own and gains `gpu`.
    const nav = (globalThis as { navigator?: { gpu?: unknown; userAgent?: string } }).navigator;
    expect(nav?.gpu).toBeDefined();
    if (Number(process.versions.node.split('.')[0]) >= 21) expect(nav?.userAgent).toMatch(/Node/);
    // The computation really runs on the adapter (1024 elements: not handed to the CPU).
    const sum = tf.sum(tf.mul(tf.range(0, 1024), 2));
    expect((await sum.data())[0]).toBe(1023 * 1024);
    sum.dispose();
  });

  it("'auto' takes webgpu only for a hardware adapter", async () => {
    const mod = await importModule('@tensorflow/tfjs-backend-webgpu');
    const adapter = (await useBackend('webgpu')).adapter!;
    const hardwareOnly = prepareWebGpu(mod, {}, importModule, true);
    if (adapter.software) {
      await expect(hardwareOnly).rejects.toThrow(WebGpuNotChosen);
      expect((await useBackend('auto', { onWarning: () => {} })).name).toBe('wasm');
    } else {
      await expect(hardwareOnly).resolves.toEqual(adapter);
    }
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: 'software' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3' }, true)).toBe(true);
  });

  it('without the webgpu package says how to install it; a bad option is named', async () => {
    const missing = async (s: string) => {
      if (s === 'webgpu') {
        throw Object.assign(new Error(`Cannot find package 'webgpu'`), {
          code: 'ERR_MODULE_NOT_FOUND',
        });
      }
      return importModule(s);
    };
    const error = await useBackend('webgpu', {
      importModule: missing,
      webgpu: { dawnFlags: ['enable-dawn-features=skip_validation'] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendNotInstalledError);
    expect((error as Error).message).toContain('npm install webgpu');
    await expect(
      useBackend('webgpu', { webgpu: { powerPreference: 'fast' as 'low-power' } }),
    ).rejects.toThrow(InvalidOptionError);
    await useBackend('webgpu');
  });
});

describe('training on webgpu', () => {
  it('reads metrics every readEvery steps (never synchronously) and leaks no tensor or buffer', async () => {
    await useBackend('webgpu');
    const model = tinyModel(3);
    const steps: number[] = [];
    const memory: tf.MemoryInfo[] = [];
    const { history } = await train({
      model,
      data: { train: quadrants({ numExamples: 24, batchSize: 8, seed: 1 }) },
      optimizer: createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 }),
      epochs: 3,
      seed: 1,
      progress: false,
      readEvery: 2,
      onStepEnd: ({ step }) => void steps.push(step),
      onEpochEnd: () => void memory.push(tf.memory()),
    });
    // A synchronous read would have thrown (it needs OffscreenCanvas, absent in Node).
    expect(steps).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(history.at(-1)!.train.loss).toBeLessThan(history[0]!.train.loss);
    expect(memory[2]!.numTensors).toBe(memory[1]!.numTensors);
    const gpu = (m: tf.MemoryInfo) => (m as { numBytesInGPU?: number }).numBytesInGPU;
    expect(gpu(memory[2]!)).toBe(gpu(memory[1]!));
    model.dispose();
  });

  it('a non-finite loss read late names its step and the steps applied since', async () => {
    await useBackend('webgpu');
    const model = tinyModel(3);
    const error = await train({
      model,
      data: {
        train: quadrants({ numExamples: 40, batchSize: 8, seed: 1, poison: { epoch: 0, step: 1 } }),
      },
      optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }),
      epochs: 1,
      progress: false,
      readEvery: 4,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    // Read after step 4: the first non-finite step (2, or 3 where the backend's ReLU turns the
    // NaN pixel into 0 and only the updated weights carry it) and those after it were applied.
    const { epoch, step, applied } = error as NonFiniteLossError;
    expect(epoch).toBe(1);
    expect(step).toBeGreaterThanOrEqual(2);
    expect(step + applied).toBe(5);
    expect((error as Error).message).toContain('resume from the last checkpoint');
    model.dispose();
  });

  it('a child process trains with checkpoints, resumes, and exits by itself', async () => {
    const script = fileURLToPath(new URL('../dist/__fixtures__/webgpu-child.js', import.meta.url));
    const ckpt = join(work, 'ckpt');
    const run = (epochs: number) =>
      new Promise<{ resumedFromEpoch: number | null; history: unknown[] }>((resolve, reject) => {
        const out = join(work, `out-${epochs}.json`);
        const child = spawn(process.execPath, [script, ckpt, String(epochs), out], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => {
          if (code === 0) resolve(JSON.parse(readFileSync(out, 'utf8')));
          else reject(new Error(`child exited with ${code}: ${stderr}`));
        });
      });
    const first = await run(1);
    expect(first).toMatchObject({ resumedFromEpoch: null, backend: { name: 'webgpu' } });
    const second = await run(2);
    expect(second.resumedFromEpoch).toBe(1);
    expect(second.history).toHaveLength(2);
  });
});
