import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { BackendNotLoadedError } from './errors.js';
import { conv2DBackpropFilter } from './kernels/conv2d_backprop_filter.js';
import { conv2DBackpropInput } from './kernels/conv2d_backprop_input.js';
import { depthwiseConv2dNativeBackpropFilter } from './kernels/depthwise_backprop_filter.js';
import { depthwiseConv2dNativeBackpropInput } from './kernels/depthwise_backprop_input.js';

type BackendKernel = (backendName: string, args: never) => tf.TensorInfo;

const composedKernels: ReadonlyArray<readonly [string, BackendKernel]> = [
  [tf.Conv2DBackpropFilter, conv2DBackpropFilter as BackendKernel],
  [tf.Conv2DBackpropInput, conv2DBackpropInput as BackendKernel],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropFilter as BackendKernel],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseConv2dNativeBackpropInput as BackendKernel],
];

/** Kernel names `registerWasmTrainingKernels` registers for the 'wasm' backend. */
export const wasmTrainingKernelNames: readonly string[] = composedKernels.map(([name]) => name);

/** Kernel names `registerCpuTrainingKernels` registers for the 'cpu' backend. */
export const cpuTrainingKernelNames: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
];

// The kernels each backend had before we replaced them, so that unregistering restores them.
const replaced = new Map<string, KernelConfig | undefined>();
const key = (backendName: string, kernelName: string): string => `${backendName}/${kernelName}`;

function requireBackendKernels(backendName: string, needed: string[], importHint: string): void {
  const missing = needed.filter((name) => tf.getKernel(name, backendName) === undefined);
  if (missing.length > 0) {
    throw new BackendNotLoadedError(
      `@sevar/wasm-kernels: expected the '${backendName}' backend's kernels ` +
        `${missing.join(', ')} to be registered, but they are not; import '${importHint}' ` +
        `before registering training kernels`,
    );
  }
}

function registerOn(backendName: string, names: readonly string[]): string[] {
  const registered: string[] = [];
  for (const [kernelName, impl] of composedKernels) {
    if (!names.includes(kernelName)) continue;
    const k = key(backendName, kernelName);
    if (replaced.has(k)) continue;
    const previous = tf.getKernel(kernelName, backendName);
    replaced.set(k, previous);
    if (previous !== undefined) tf.unregisterKernel(kernelName, backendName);
    const kernelFunc = ((args: never) => impl(backendName, args)) as unknown as KernelFunc;
    tf.registerKernel({ kernelName, backendName, kernelFunc });
    registered.push(kernelName);
  }
  return registered;
}

function unregisterOn(backendName: string): void {
  for (const [kernelName] of composedKernels) {
    const k = key(backendName, kernelName);
    if (!replaced.has(k)) continue;
    const previous = replaced.get(k);
    tf.unregisterKernel(kernelName, backendName);
    if (previous !== undefined) tf.registerKernel(previous);
    replaced.delete(k);
  }
}

const neededKernels = ['Conv2D', 'DepthwiseConv2dNative', 'Transpose', 'Reshape', 'Reverse', 'PadV2', 'Slice', 'Sum'];

/**
 * Registers the convolution gradient kernels for the 'wasm' backend (built on its XNNPACK
 * convolutions). Call after importing '@tensorflow/tfjs-backend-wasm'. Idempotent; returns
 * the kernel names it registered.
 */
export function registerWasmTrainingKernels(): string[] {
  requireBackendKernels('wasm', neededKernels, '@tensorflow/tfjs-backend-wasm');
  registerOn('wasm', wasmTrainingKernelNames);
  return [...wasmTrainingKernelNames];
}

/** Puts back the kernels 'wasm' had before `registerWasmTrainingKernels` (for comparisons). */
export function unregisterWasmTrainingKernels(): void {
  unregisterOn('wasm');
}

/**
 * Replaces the 'cpu' backend's loop-based convolution gradients with the same composition
 * over its own Conv2D kernel. Call after importing '@tensorflow/tfjs-backend-cpu'.
 */
export function registerCpuTrainingKernels(): string[] {
  requireBackendKernels('cpu', neededKernels, '@tensorflow/tfjs-backend-cpu');
  registerOn('cpu', cpuTrainingKernelNames);
  return [...cpuTrainingKernelNames];
}

/** Puts back the cpu backend's stock kernels. */
export function unregisterCpuTrainingKernels(): void {
  unregisterOn('cpu');
}
