import * as tf from '@tensorflow/tfjs-core';
import type {
  KernelBackend,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { TrainingKernelError } from '../errors.js';

/**
 * Runs another kernel of the same backend directly, below the engine: no tape, no tensor
 * tracking, so every intermediate must be released with `release`.
 */
export function callKernel(
  backendName: string,
  backend: KernelBackend,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = tf.getKernel(kernelName, backendName);
  if (kernel === undefined) {
    throw new TrainingKernelError(
      `@sevar/wasm-kernels: expected kernel '${kernelName}' to be registered for backend ` +
        `'${backendName}', but it is not`,
      { subject: kernelName, hint: `Import the '${backendName}' backend before training.` },
    );
  }
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    throw new TrainingKernelError(
      `@sevar/wasm-kernels: expected kernel '${kernelName}' on '${backendName}' to return one ` +
        `tensor, received ${out.length}`,
    );
  }
  return out;
}

/** Frees intermediates made by `callKernel` (reshapes share data and hold a reference each). */
export function release(backend: KernelBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** The kernels of one backend, bound together for terse composition. */
export interface KernelOps {
  readonly backendName: string;
  readonly backend: KernelBackend;
  call(kernelName: string, inputs: NamedTensorInfoMap, attrs?: NamedAttrMap): TensorInfo;
  release(...infos: TensorInfo[]): void;
}

export function kernelOps(backendName: string, backend: KernelBackend): KernelOps {
  return {
    backendName,
    backend,
    call: (kernelName, inputs, attrs) =>
      callKernel(backendName, backend, kernelName, inputs, attrs),
    release: (...infos) => release(backend, ...infos),
  };
}
