import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { TrainingKernelError } from '../errors.js';

/** The two methods of tfjs-backend-wasm's BackendWasm that JS-side kernels need. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export function asHeapBackend(backend: KernelBackend, kernelName: string): HeapBackend {
  const b = backend as unknown as Partial<HeapBackend>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') {
    throw new TrainingKernelError({
      subject: `@sevar/wasm-kernels ${kernelName}`,
      expected: 'the wasm backend (with makeOutput and typedArrayFromHeap)',
      received: backend,
    });
  }
  return b as HeapBackend;
}

/** A float32 view of a tensor on the wasm heap; take views only after the last allocation. */
export function f32(backend: HeapBackend, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
