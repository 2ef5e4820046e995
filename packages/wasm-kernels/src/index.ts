export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  wasmTrainingKernelNames,
  registerCpuTrainingKernels,
  unregisterCpuTrainingKernels,
  cpuTrainingKernelNames,
} from './register.js';
export { WasmKernelsError, TrainingKernelError, BackendNotLoadedError } from './errors.js';
export { setSimdKernelsEnabled } from './kernels/simd.js';
