import type { CastAttrs, KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { asHeapBackend } from './heap.js';

/** The reference counting every tfjs backend has (tfjs-core's `KernelBackend` declares it). */
function shareData(backend: KernelBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * Identity that shares its input's buffer (as Reshape does) instead of copying it. tfjs-core
 * clones, through Identity, every tensor a gradient function saves; the stock wasm kernel
 * copies, so a training step held a second copy of most activations (about a third of a
 * ResNet-18 step's tensor memory) and spent time on the copies.
 */
export function identityVia(stock: KernelConfig) {
  return (
    _backendName: string,
    args: { inputs: { x: TensorInfo }; backend: KernelBackend; attrs: Record<string, never> },
  ): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string') return stock.kernelFunc(args as never) as TensorInfo;
    return shareData(args.backend, x);
  };
}

/**
 * Cast to the dtype the tensor already has shares the buffer (batch-norm's moments casts its
 * float32 input to float32). Cast to bool is `x != 0`, as on the cpu backend: the stock wasm
 * kernel stores the number's low byte (-2 became 254, 256 became 0). Other casts go to the
 * stock kernel.
 */
export function castVia(stock: KernelConfig) {
  return (
    _backendName: string,
    args: { inputs: { x: TensorInfo }; backend: KernelBackend; attrs: CastAttrs },
  ): TensorInfo => {
    const { x } = args.inputs;
    const dtype = args.attrs.dtype;
    if (x.dtype === 'string' || x.dtype === 'complex64' || dtype === 'complex64') {
      return stock.kernelFunc(args as never) as TensorInfo;
    }
    if (x.dtype === dtype) return shareData(args.backend, x);
    if (dtype !== 'bool') return stock.kernelFunc(args as never) as TensorInfo;
    const backend = asHeapBackend(args.backend, 'Cast');
    const out = backend.makeOutput([...x.shape], 'bool');
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    return out;
  };
}
