import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { KERNELS_WASM_BASE64 } from '../generated/kernels-wasm.js';
import type { HeapBackend } from './heap.js';

/** The exports of assembly/kernels.ts; pointers are byte offsets into the tfjs wasm heap. */
export interface SimdKernels {
  maxPoolGrad(
    x: number,
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    padTop: number,
    padLeft: number,
  ): void;
  conv2dBackpropFilter(
    x: number,
    dy: number,
    dw: number,
    n: number,
    h: number,
    w: number,
    ci: number,
    oh: number,
    ow: number,
    co: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dilH: number,
    dilW: number,
    padTop: number,
    padLeft: number,
  ): void;
}

// The part of the WebAssembly JS API used here (the project's lib settings carry no DOM types).
interface WasmModule {
  readonly kind?: never;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: abstract new (...args: never[]) => object;
  validate(bytes: Uint8Array): boolean;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;
let enabled = true;

/**
 * Switches the SIMD module off (or back on) for every kernel that uses it: the kernels then run
 * their fallbacks, as where the module cannot be instantiated. For comparisons and debugging;
 * on by default.
 */
export function setSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}
const instances = new WeakMap<object, SimdKernels | null>();

function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (ch) => ch.charCodeAt(0));
    // A runtime without wasm SIMD rejects the module; the kernels then use their JS loops.
    compiled = wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  }
  return compiled;
}

/**
 * The SIMD kernels instantiated on this wasm backend's own memory, or null where that is not
 * possible (no SIMD, a shared-memory threaded build, another backend): callers then fall back.
 */
export function simdKernels(backend: KernelBackend): SimdKernels | null {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  if (!enabled || !(memory instanceof wasmApi.Memory)) return null;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    const module = kernelModule();
    try {
      kernels =
        module === null
          ? null
          : (new wasmApi.Instance(module, { env: { memory } }).exports as unknown as SimdKernels);
    } catch {
      kernels = null;
    }
    instances.set(memory, kernels);
  }
  return kernels;
}

/** Byte offset of a tensor's data on the wasm heap (the heap view's own offset). */
export function heapAddress(backend: HeapBackend, info: TensorInfo): number {
  return backend.typedArrayFromHeap(info).byteOffset;
}
