import { readFileSync } from 'node:fs';

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export interface ParityCase {
  variant: string;
  options: Record<string, unknown>;
  fcWidths: number[];
  inputShape: [number, number, number, number];
  input: number[];
  weights: { shape: number[]; values: number[] }[];
  output: number[];
}

export function loadParityCases(): ParityCase[] {
  const url = new URL('../__fixtures__/parity.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: ParityCase[] }).cases;
}

/** Largest |a - b| / (|b| + tiny) over all elements. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e) / (Math.abs(e) + 1e-12);
    if (err > worst) worst = err;
  }
  return worst;
}

export function expectClose(
  actual: tf.Tensor,
  expected: tf.Tensor,
  rtol = 1e-5,
  atol = 1e-7,
): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  for (let i = 0; i < e.length; i++) {
    const tol = atol + rtol * Math.abs(e[i]!);
    if (Math.abs(a[i]! - e[i]!) > tol) {
      throw new Error(`element ${i}: ${a[i]} vs ${e[i]} (tolerance ${tol})`);
    }
  }
}

/**
 * Node: exposes a Dawn `navigator.gpu` (the `webgpu` package) and registers tfjs's webgpu
 * backend; resolves to false where there is no WebGPU adapter (the test command installs Mesa's
 * lavapipe on Debian, so CI always has one).
 */
async function setUpWebGpu(): Promise<boolean> {
  const { create, globals } = (await import('webgpu')) as unknown as {
    create: (flags: string[]) => { requestAdapter(): Promise<unknown> };
    globals: Record<string, unknown>;
  };
  const gpu = create([]);
  if ((await gpu.requestAdapter()) === null) return false;
  for (const [k, v] of Object.entries(globals))
    if (!(k in globalThis)) Object.assign(globalThis, { [k]: v });
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) Object.assign(globalThis, { navigator: { gpu } });
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  return true;
}

/** The backends the parity suites run on: cpu, wasm, and webgpu where an adapter exists. */
export const PARITY_BACKENDS: ('cpu' | 'wasm' | 'webgpu')[] = ['cpu', 'wasm'];
if (await setUpWebGpu()) PARITY_BACKENDS.push('webgpu');
else console.warn('no WebGPU adapter: the parity suites skip webgpu (install Mesa 24+ lavapipe)');
// Registering webgpu makes it tfjs's highest-priority backend: keep cpu the default, so a tensor
// made before a test picks its backend does not wait on webgpu's asynchronous start.
await tf.setBackend('cpu');

/** Selects `name`; on wasm also the project's gradient kernels (wasm lacks some, e.g. for conv). */
export async function useBackend(name: 'cpu' | 'wasm' | 'webgpu'): Promise<void> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend ${name} failed to initialise`);
  if (name === 'wasm') {
    const { registerWasmTrainingKernels } = await import('@sevar/wasm-kernels');
    registerWasmTrainingKernels();
  }
}
