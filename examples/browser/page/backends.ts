import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
// Registers the webgpu backend where the browser has `navigator.gpu`.
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerCpuTrainingKernels, registerWasmTrainingKernels } from '@sevar/wasm-kernels';
// Vite copies the .wasm binaries into the build and gives their URLs.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

import { describeWebGpu, probeWebGpu } from './webgpu.js';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type Backend = (typeof BACKENDS)[number];

// The threaded build starts its workers from the source text of a bundled function, which a
// bundler has renamed ("e is not defined" in the worker): use the single-threaded SIMD build.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

const withKernels = new Set<Backend>();

/** Switches tfjs to `name`; on wasm and cpu adds the conv gradient kernels that make training work (wasm) and fast (cpu). */
export async function selectBackend(name: Backend): Promise<string> {
  if (name === 'webgpu') {
    const gpu = await probeWebGpu();
    if (!gpu.available) throw new Error(`backend 'webgpu' is ${describeWebGpu(gpu)}`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
  if ((name === 'wasm' || name === 'cpu') && !withKernels.has(name)) {
    if (name === 'wasm') registerWasmTrainingKernels();
    else registerCpuTrainingKernels();
    withKernels.add(name);
  }
  if (name === 'wasm') {
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    return `wasm (simd ${String(simd)}, threads ${String(threads)})`;
  }
  if (name === 'webgpu') return `webgpu (${describeWebGpu(await probeWebGpu())})`;
  return name;
}
