import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';

import { cnn3 } from '../cnn3.js';
import { createModel, type ModelName } from '../registry.js';
import { resnet18, resnet34 } from '../resnet.js';
import type { AttentionName, VariantName } from '@sevar/layers';

/** Switches to the pure-JS cpu backend (the reference backend for every test here). */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
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
  for (const [k, v] of Object.entries(globals)) {
    if (!(k in globalThis)) Object.assign(globalThis, { [k]: v });
  }
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) Object.assign(globalThis, { navigator: { gpu } });
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  return true;
}

/** The backends the parity suite runs on: cpu, and webgpu where an adapter exists. */
export const PARITY_BACKENDS: ('cpu' | 'webgpu')[] = ['cpu'];
if (await setUpWebGpu()) PARITY_BACKENDS.push('webgpu');
else console.warn('no WebGPU adapter: the parity suite skips webgpu (install Mesa 24+ lavapipe)');
// Registering webgpu makes it tfjs's highest-priority backend: keep cpu the default, so a tensor
// made before a test picks its backend does not wait on webgpu's asynchronous start.
await tf.setBackend('cpu');

/**
 * u32 hash of (seed, index): the same function as `hash_u32` in reference/gen_fixtures.py, so both
 * sides generate bit-identical weights without storing them.
 */
export function hashU32(seed: number, i: number): number {
  let h = (Math.imul(i, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca77)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** `n` float32 values `lo + (hi - lo) * u`, u = hash / 2^32 (the reference's `values`). */
export function hashValues(seed: number, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * (hashU32(seed, i) / 4294967296);
  return out;
}

/** One fixture row of the counts table (param_counts.json). */
export interface CountRow {
  model: 'cnn3' | 'resnet18-cifar' | 'resnet18-imagenet' | 'resnet34-cifar' | 'resnet34-imagenet';
  placement: 'after-conv2' | 'replace-conv2' | 'pre-add' | 'post-add';
  attention: VariantName | null;
  numClasses: number;
  inputSize: number;
  trainableParams: number;
  bnStatistics: number;
  macsPerImage: number;
}

/** Builds the model a reference row names (`resnet18-cifar` → `resnet18({stem: 'cifar'})`). */
export function buildFromReference(
  row: Pick<CountRow, 'model' | 'placement' | 'attention' | 'numClasses'>,
  inputSize?: number,
): tfl.LayersModel {
  const inputShape: [number, number, number] | undefined =
    inputSize === undefined ? undefined : [inputSize, inputSize, 3];
  if (row.model === 'cnn3') {
    return cnn3({
      attention: row.attention,
      numClasses: row.numClasses,
      attentionPlacement: row.placement as 'after-conv2' | 'replace-conv2',
      inputShape,
    });
  }
  const [arch, stem] = row.model.split('-') as ['resnet18' | 'resnet34', 'cifar' | 'imagenet'];
  const build = arch === 'resnet18' ? resnet18 : resnet34;
  return build({
    attention: row.attention,
    numClasses: row.numClasses,
    stem,
    placement: row.placement as 'pre-add' | 'post-add',
    inputShape,
  });
}

/** Max |a - b| / max |b|. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

/**
 * Gives every weight of `model` deterministic non-trivial values (BN variances positive), so a
 * round trip cannot pass by matching a fresh initialisation and a training step is reproducible.
 */
export function fillDeterministic(model: tfl.LayersModel, seed: number): void {
  const values = model.weights.map((w, k) => {
    const shape = w.shape as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const name = w.originalName;
    // He-like range for kernels: fan-in is everything but the last (output) axis.
    const a = Math.sqrt(6 / (n / shape[shape.length - 1]!));
    const [lo, hi] = name.endsWith('moving_variance')
      ? [0.5, 2]
      : /attention\/fc\d+\/bias$/.test(name)
        ? [0.05, 0.2] // positive, so the narrow (m = 4) hidden ReLUs are not all dead
        : name.endsWith('gamma')
          ? [0.5, 1.5]
          : shape.length >= 2
            ? [-a, a]
            : [-0.2, 0.2];
    return tf.tensor(hashValues(seed + k, n, lo, hi), shape);
  });
  model.setWeights(values);
  tf.dispose(values);
}

/**
 * Builds the model a torchvision reference row names: `resnet50-cifar` → resnet50 with the cifar
 * stem; attention `'built-in'` → the option left absent (torchvision's own SE), null → none.
 */
export function buildZooFromReference(
  model: string,
  attention: string | null,
  numClasses: number,
  inputSize?: number,
): tfl.LayersModel {
  const [name, stem] = model.split('-') as [ModelName, string | undefined];
  const options: Record<string, unknown> = { numClasses };
  if (name === 'resnet50') options.stem = stem ?? 'imagenet';
  if (inputSize !== undefined) options.inputShape = [inputSize, inputSize, 3];
  if (attention !== 'built-in') options.attention = attention as AttentionName | null;
  return createModel(name, options as never);
}
