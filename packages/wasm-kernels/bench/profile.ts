import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

export interface KernelTime {
  name: string;
  calls: number;
  /** Time inside this kernel minus the kernels it called itself. */
  selfMs: number;
  totalMs: number;
}

/**
 * Wraps every kernel of a backend with a timer (the wasm and cpu backends run kernels
 * synchronously, so wall time around kernelFunc is the kernel's time). Nested kernel calls
 * (ours call Conv2D, Transpose, ...) are charged to the callee, not twice.
 */
export function profileKernels(backendName: string): { stop(): KernelTime[] } {
  const originals = tf.getKernelsForBackend(backendName);
  const stats = new Map<string, KernelTime>();
  const stack: number[] = [];
  for (const config of originals) {
    const inner = config.kernelFunc;
    const wrapped: KernelFunc = (args) => {
      stack.push(0);
      const t0 = performance.now();
      const out = inner(args);
      const elapsed = performance.now() - t0;
      const children = stack.pop() ?? 0;
      if (stack.length > 0) stack[stack.length - 1]! += elapsed;
      const s = stats.get(config.kernelName) ?? {
        name: config.kernelName,
        calls: 0,
        selfMs: 0,
        totalMs: 0,
      };
      s.calls++;
      s.selfMs += elapsed - children;
      s.totalMs += elapsed;
      stats.set(config.kernelName, s);
      return out;
    };
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: wrapped });
  }
  return {
    stop(): KernelTime[] {
      for (const config of originals) {
        tf.unregisterKernel(config.kernelName, backendName);
        tf.registerKernel(config as KernelConfig);
      }
      return [...stats.values()].sort((a, b) => b.selfMs - a.selfMs);
    },
  };
}
