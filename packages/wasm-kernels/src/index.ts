export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  wasmTrainingKernelNames,
  registerCpuTrainingKernels,
  unregisterCpuTrainingKernels,
  cpuTrainingKernelNames,
  setBatchNormKernelsEnabled,
} from './register.js';
export { WasmKernelsError, TrainingKernelError, BackendNotLoadedError } from './errors.js';
export {
  setSimdKernelsEnabled,
  setRelaxedSimdEnabled,
  relaxedSimdSupported,
} from './kernels/simd.js';
export { setWinogradEnabled, winogradEnabled } from './kernels/winograd.js';
export {
  clearWinogradFilterCache,
  setWinogradFilterCacheBytes,
} from './kernels/winograd_filters.js';
export { kernelThreads, setKernelThreadsEnabled } from './kernels/kernel_threads.js';
export { initWasmBackend } from './threads.js';
export type { InitWasmBackendOptions, WasmBackendThreads } from './threads.js';
