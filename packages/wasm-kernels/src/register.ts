import { BATCH_NORM_TRAINING_KERNELS } from '@sevar/core';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendNotLoadedError } from './errors.js';
import { batchNormTraining, batchNormTrainingGrad } from './kernels/batch_norm.js';
import { envSwitch } from './kernels/env.js';
import { registerReductionGradients, restoreReductionGradients } from './gradients.js';
import { batchMatMulVia } from './kernels/batch_mat_mul.js';
import { conv2DVia, fusedConv2DVia } from './kernels/conv2d.js';
import { conv2DBackpropFilter } from './kernels/conv2d_backprop_filter.js';
import { conv2DBackpropInput } from './kernels/conv2d_backprop_input.js';
import { depthwiseConv2dNativeBackpropFilter } from './kernels/depthwise_backprop_filter.js';
import { depthwiseConv2dNativeBackpropInput } from './kernels/depthwise_backprop_input.js';
import { maxPoolGrad } from './kernels/max_pool_grad.js';
import { castVia, identityVia } from './kernels/share.js';
import { meanVia, sumVia } from './kernels/sum_leading.js';
import { sliceVia } from './kernels/slice.js';
import { tileVia } from './kernels/tile.js';

/** A kernel written once for any backend, given that backend's name. */
type BackendKernel = (backendName: string, args: never) => TensorInfo | TensorInfo[];
/** Builds the kernel from the one it replaces (undefined when the backend had none). */
type KernelFactory = (previous: KernelConfig | undefined) => BackendKernel;

const always =
  (k: unknown): KernelFactory =>
  () =>
    k as BackendKernel;

/** A kernel that handles some cases itself and hands the rest to the stock one. */
function wrapping(kernelName: string, via: (stock: KernelConfig) => unknown): KernelFactory {
  return (previous) => {
    if (previous === undefined) {
      throw new BackendNotLoadedError(
        `@sevar/wasm-kernels: expected a stock ${kernelName} kernel to wrap, found none`,
      );
    }
    return via(previous) as BackendKernel;
  };
}

const factories: ReadonlyMap<string, KernelFactory> = new Map<string, KernelFactory>([
  [tf.Conv2DBackpropFilter, always(conv2DBackpropFilter)],
  [tf.Conv2DBackpropInput, always(conv2DBackpropInput)],
  [tf.DepthwiseConv2dNativeBackpropFilter, always(depthwiseConv2dNativeBackpropFilter)],
  [tf.DepthwiseConv2dNativeBackpropInput, always(depthwiseConv2dNativeBackpropInput)],
  [tf.MaxPoolGrad, always(maxPoolGrad)],
  [tf.BatchMatMul, wrapping(tf.BatchMatMul, batchMatMulVia)],
  [tf.Sum, wrapping(tf.Sum, sumVia)],
  [tf.Mean, wrapping(tf.Mean, meanVia)],
  [tf.Tile, wrapping(tf.Tile, tileVia)],
  [tf.Slice, wrapping(tf.Slice, sliceVia)],
  [tf.Identity, wrapping(tf.Identity, identityVia)],
  [tf.Cast, wrapping(tf.Cast, castVia)],
  [tf.Conv2D, wrapping(tf.Conv2D, conv2DVia)],
  [tf.FusedConv2D, wrapping(tf.FusedConv2D, fusedConv2DVia)],
  [BATCH_NORM_TRAINING_KERNELS.forward, always(batchNormTraining)],
  [BATCH_NORM_TRAINING_KERNELS.backward, always(batchNormTrainingGrad)],
]);

const batchNormNames: readonly string[] = Object.values(BATCH_NORM_TRAINING_KERNELS);
/** The batch-norm kernels' switch: set by `setBatchNormKernelsEnabled`, else the environment. */
let batchNormWanted: boolean | undefined;
const ENV = 'SEVAR_BATCH_NORM_KERNELS';

/** Kernel names `registerWasmTrainingKernels` registers for the 'wasm' backend. */
export const wasmTrainingKernelNames: readonly string[] = [...factories.keys()];

/**
 * Kernel names `registerCpuTrainingKernels` registers for the 'cpu' backend: only the filter
 * gradient, since the composed input gradient measured slower than cpu's own loop.
 */
export const cpuTrainingKernelNames: readonly string[] = [tf.Conv2DBackpropFilter];

// The kernels each backend had before we replaced them, so that unregistering restores them.
const replaced = new Map<string, KernelConfig | undefined>();
const key = (backendName: string, kernelName: string): string => `${backendName}/${kernelName}`;

const neededKernels = [
  'Conv2D',
  'DepthwiseConv2dNative',
  'Transpose',
  'Reshape',
  'Reverse',
  'PadV2',
  'Slice',
  'Sum',
  'BatchMatMul',
];

function requireBackendKernels(backendName: string, importHint: string): void {
  const missing = neededKernels.filter((name) => tf.getKernel(name, backendName) === undefined);
  if (missing.length > 0) {
    throw new BackendNotLoadedError(
      `@sevar/wasm-kernels: expected the '${backendName}' backend's kernels ` +
        `${missing.join(', ')} to be registered, but they are not`,
      { subject: backendName, hint: `Import '${importHint}' before registering training kernels.` },
    );
  }
}

/** A backend's table of the tensors it holds (tfjs-core's DataStorage). */
interface DataStorage {
  get(dataId: object): unknown;
}

/**
 * tfjs moves a tensor made on another backend when this backend first looks it up, which can
 * grow (and detach) wasm's heap; tfjs-backend-wasm's `typedArrayFromHeap` takes its view of the
 * heap before that lookup. So every input is looked up (moved) before a kernel here reads it.
 */
function moveInputsHere(args: { inputs?: Record<string, unknown>; backend?: unknown }): void {
  const backend = args.backend as { dataIdMap?: DataStorage; data?: DataStorage } | undefined;
  const storage = backend?.dataIdMap ?? backend?.data;
  if (storage === undefined) return;
  for (const input of Object.values(args.inputs ?? {})) {
    for (const t of Array.isArray(input) ? input : [input]) {
      const dataId = (t as { dataId?: object } | null | undefined)?.dataId;
      if (dataId !== undefined) storage.get(dataId);
    }
  }
}

function registerOn(backendName: string, names: readonly string[]): void {
  for (const kernelName of names) {
    const k = key(backendName, kernelName);
    const factory = factories.get(kernelName);
    if (factory === undefined || replaced.has(k)) continue;
    const previous = tf.getKernel(kernelName, backendName);
    const impl = factory(previous);
    replaced.set(k, previous);
    if (previous !== undefined) tf.unregisterKernel(kernelName, backendName);
    const kernelFunc = ((args: never) => {
      moveInputsHere(args);
      return impl(backendName, args);
    }) as unknown as KernelFunc;
    // A wrapped stock kernel needs its setup (a cwrap of its wasm function) to have run; the
    // backend runs setupFunc when it initialises, so a late-initialised backend needs ours.
    const setupFunc = previous?.setupFunc;
    tf.registerKernel({ kernelName, backendName, kernelFunc, ...(setupFunc ? { setupFunc } : {}) });
  }
}

function unregisterOn(backendName: string): void {
  for (const kernelName of factories.keys()) {
    const k = key(backendName, kernelName);
    if (!replaced.has(k)) continue;
    const previous = replaced.get(k);
    tf.unregisterKernel(kernelName, backendName);
    if (previous !== undefined) tf.registerKernel(previous);
    replaced.delete(k);
  }
}

/**
 * Registers the gradient kernels the 'wasm' backend lacks or runs slowly, built on its
 * XNNPACK convolution and matmul, and gradients of `Sum` and `Mean` that broadcast instead of
 * multiplying by a tensor of ones (see `gradients.ts`; the same values, for every backend).
 * Call after importing '@tensorflow/tfjs-backend-wasm' (and tfjs-layers, whose import
 * registers its own copies of tfjs-core's gradients). Idempotent; returns the kernel names it
 * registered.
 */
export function registerWasmTrainingKernels(): string[] {
  requireBackendKernels('wasm', '@tensorflow/tfjs-backend-wasm');
  const on = batchNormWanted ?? envSwitch(ENV, 'the batch-norm kernels') ?? true;
  const names = wasmTrainingKernelNames.filter((name) => on || !batchNormNames.includes(name));
  registerOn('wasm', names);
  registerReductionGradients();
  return names;
}

/**
 * Registers (on, the default) or unregisters the batch-norm training kernels
 * (`BATCH_NORM_TRAINING_KERNELS` of `@sevar/core`) on 'wasm'; `@sevar/layers`' fused batch
 * norm runs them where they are registered and tfjs-core's composition of the same formulas
 * where not. For comparisons and debugging; SEVAR_BATCH_NORM_KERNELS=0 turns them off before
 * `registerWasmTrainingKernels`. Takes effect at once where the training kernels are registered.
 */
export function setBatchNormKernelsEnabled(on: boolean): void {
  batchNormWanted = on;
  const registered = [...replaced.keys()].some((k) => k.startsWith('wasm/'));
  if (!registered) return;
  if (on) {
    registerOn('wasm', batchNormNames);
    return;
  }
  for (const kernelName of batchNormNames) {
    if (!replaced.delete(key('wasm', kernelName))) continue;
    tf.unregisterKernel(kernelName, 'wasm');
  }
}

/**
 * Puts back the kernels 'wasm' had before `registerWasmTrainingKernels` (for comparisons), and
 * the `Sum` and `Mean` gradients.
 */
export function unregisterWasmTrainingKernels(): void {
  unregisterOn('wasm');
  restoreReductionGradients();
}

/**
 * Replaces the 'cpu' backend's loop-based filter gradient (~14 MFLOP/s) with the same
 * composition over cpu's own Conv2D. Call after importing '@tensorflow/tfjs-backend-cpu'.
 */
export function registerCpuTrainingKernels(): string[] {
  requireBackendKernels('cpu', '@tensorflow/tfjs-backend-cpu');
  registerOn('cpu', cpuTrainingKernelNames);
  return [...cpuTrainingKernelNames];
}

/** Puts back the cpu backend's stock kernels. */
export function unregisterCpuTrainingKernels(): void {
  unregisterOn('cpu');
}
