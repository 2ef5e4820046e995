import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import {
  KERNELS_WASM_BASE64,
  KERNELS_WASM_RELAXED_BASE64,
  KERNELS_WASM_SHARED_BASE64,
  KERNELS_WASM_SHARED_RELAXED_BASE64,
  WINOGRAD_WASM_BASE64,
  WINOGRAD_WASM_SHARED_BASE64,
  WINOGRAD_GRAD_WASM_BASE64,
  WINOGRAD_GRAD_WASM_SHARED_BASE64,
  WINOGRAD_WASM_RELAXED_BASE64,
  WINOGRAD_WASM_SHARED_RELAXED_BASE64,
  WINOGRAD_GRAD_WASM_RELAXED_BASE64,
  WINOGRAD_GRAD_WASM_SHARED_RELAXED_BASE64,
  BATCH_NORM_WASM_BASE64,
  BATCH_NORM_WASM_SHARED_BASE64,
} from '../generated/kernels-wasm.js';
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
    from: number,
    to: number,
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
    from: number,
    to: number,
  ): void;
  planeGemm(
    a: number,
    b: number,
    c: number,
    rowFrom: number,
    rowTo: number,
    n: number,
    depth: number,
    aStep: number,
    aRow: number,
    accumulate: boolean,
    from: number,
    to: number,
  ): void;
}

/** The input transform both Winograd modules export (assembly/winograd-common.ts). */
interface WinogradInputTransform {
  winogradInput(
    x: number,
    table: number,
    scratch: number,
    n: number,
    h: number,
    w: number,
    c: number,
    tilesH: number,
    tilesW: number,
    t0: number,
    padTop: number,
    padLeft: number,
    from: number,
    to: number,
  ): void;
}

/** The exports of assembly/winograd.ts (F(4x4,3x3) transforms; see there). */
export interface WinogradTransforms extends WinogradInputTransform {
  winogradFilter(
    g: number,
    table: number,
    scratch: number,
    ci: number,
    co: number,
    from: number,
    to: number,
  ): void;
  winogradOutput(
    table: number,
    scratch: number,
    y: number,
    bias: number,
    relu: boolean,
    n: number,
    oh: number,
    ow: number,
    co: number,
    tilesH: number,
    tilesW: number,
    t0: number,
    from: number,
    to: number,
  ): void;
}

/** The exports of assembly/winograd-grad.ts (the filter gradient's transforms). */
export interface WinogradGradTransforms extends WinogradInputTransform {
  winogradGradOutput(
    dy: number,
    table: number,
    scratch: number,
    n: number,
    oh: number,
    ow: number,
    co: number,
    tilesH: number,
    tilesW: number,
    t0: number,
    from: number,
    to: number,
  ): void;
  winogradFilterGrad(
    table: number,
    scratch: number,
    dg: number,
    ci: number,
    co: number,
    from: number,
    to: number,
  ): void;
}

/** The exports of assembly/batch-norm.ts (rows from .. to - 1 of `c` channels each). */
export interface BatchNormKernels {
  channelMoments(
    x: number,
    shift: number,
    acc: number,
    c: number,
    squares: boolean,
    from: number,
    to: number,
  ): void;
  channelDot(
    dy: number,
    x: number,
    shift: number,
    acc: number,
    c: number,
    from: number,
    to: number,
  ): void;
  channelAffine(
    x: number,
    shift: number,
    scale: number,
    bias: number,
    y: number,
    c: number,
    from: number,
    to: number,
  ): void;
  channelAffineGrad(
    dy: number,
    x: number,
    shift: number,
    k: number,
    c1: number,
    c0: number,
    dx: number,
    c: number,
    from: number,
    to: number,
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

let enabled = true;
let relaxedEnabled = true;

/**
 * Switches the SIMD module off (or back on) for every kernel that uses it: the kernels then run
 * their fallbacks, as where the module cannot be instantiated. For comparisons and debugging;
 * on by default.
 */
export function setSimdKernelsEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Switches the relaxed-SIMD build of the module (fused multiply-add) off or back on. It is used
 * where the runtime validates it (Node 22 and later, recent browsers) and on by default; off,
 * the kernels use the plain 128-bit SIMD build, as on runtimes without relaxed SIMD.
 */
export function setRelaxedSimdEnabled(on: boolean): void {
  relaxedEnabled = on;
}

/**
 * Each module's four builds: plain or shared memory, with or without relaxed SIMD (fused
 * multiply-add); the batch-norm module's two (plain or shared: it is memory-bound).
 */
const SOURCES = {
  plain: KERNELS_WASM_BASE64,
  shared: KERNELS_WASM_SHARED_BASE64,
  relaxed: KERNELS_WASM_RELAXED_BASE64,
  sharedRelaxed: KERNELS_WASM_SHARED_RELAXED_BASE64,
  winograd: WINOGRAD_WASM_BASE64,
  winogradShared: WINOGRAD_WASM_SHARED_BASE64,
  winogradGrad: WINOGRAD_GRAD_WASM_BASE64,
  winogradGradShared: WINOGRAD_GRAD_WASM_SHARED_BASE64,
  winogradRelaxed: WINOGRAD_WASM_RELAXED_BASE64,
  winogradSharedRelaxed: WINOGRAD_WASM_SHARED_RELAXED_BASE64,
  winogradGradRelaxed: WINOGRAD_GRAD_WASM_RELAXED_BASE64,
  winogradGradSharedRelaxed: WINOGRAD_GRAD_WASM_SHARED_RELAXED_BASE64,
  batchNorm: BATCH_NORM_WASM_BASE64,
  batchNormShared: BATCH_NORM_WASM_SHARED_BASE64,
};
export type Build = keyof typeof SOURCES;
const compiled = new Map<Build, WasmModule | null>();

export function kernelModule(build: Build): WasmModule | null {
  let module = compiled.get(build);
  if (module === undefined) {
    const bytes = Uint8Array.from(atob(SOURCES[build]), (ch) => ch.charCodeAt(0));
    // A runtime without wasm SIMD (or relaxed SIMD) rejects the build; callers then fall back.
    module = wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    compiled.set(build, module);
  }
  return module;
}

/** Whether this runtime runs the relaxed-SIMD (fused multiply-add) build of the module. */
export function relaxedSimdSupported(): boolean {
  return kernelModule('relaxed') !== null;
}

/** The backend's heap: the single-threaded build exports it, the threaded one imports it. */
export function backendMemory(backend: KernelBackend): object | null {
  const wasm = (backend as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  return memory instanceof wasmApi.Memory ? memory : null;
}

const instances = new WeakMap<object, Map<Build, object | null>>();

function instantiate(build: Build, memory: object): object | null {
  const module = kernelModule(build);
  if (module === null) return null;
  try {
    return new wasmApi.Instance(module, { env: { memory } }).exports as object;
  } catch {
    return null;
  }
}

/** Whether a wasm memory is shared (the threaded build's heap). */
function isShared(memory: object): boolean {
  // A page that is not cross-origin isolated has no SharedArrayBuffer at all (and no threads).
  return (
    typeof SharedArrayBuffer !== 'undefined' &&
    (memory as { buffer: unknown }).buffer instanceof SharedArrayBuffer
  );
}

/** Whether `backend` runs on the threaded build's shared heap (XNNPACK over a thread pool). */
export function threadedBackend(backend: KernelBackend): boolean {
  const memory = backendMemory(backend);
  return memory !== null && isShared(memory);
}

/** The first of `builds` that instantiates on `memory` (cached per memory), or null. */
function firstInstance(memory: object, builds: Build[]): object | null {
  let perBuild = instances.get(memory);
  if (perBuild === undefined) instances.set(memory, (perBuild = new Map()));
  for (const build of builds) {
    let exports = perBuild.get(build);
    if (exports === undefined) perBuild.set(build, (exports = instantiate(build, memory)));
    if (exports !== null) return exports;
  }
  return null;
}

/**
 * The SIMD kernels instantiated on this wasm backend's own memory (shared or not), or null
 * where that is not possible (no SIMD, another backend, switched off): callers then fall back.
 */
export function simdKernels(backend: KernelBackend): SimdKernels | null {
  const memory = enabled ? backendMemory(backend) : null;
  if (memory === null) return null;
  const build = simdBuild(isShared(memory));
  return build === null ? null : (firstInstance(memory, [build]) as SimdKernels | null);
}

/**
 * The build of the kernel module to run (as `winogradBuild`): kernel threads instantiate the
 * same one, so a split GEMM gives the bits of an unsplit one.
 */
export function simdBuild(shared: boolean): Build | null {
  const builds: Build[] = shared ? ['sharedRelaxed', 'shared'] : ['relaxed', 'plain'];
  for (const build of relaxedEnabled ? builds : builds.slice(1)) {
    if (kernelModule(build) !== null) return build;
  }
  return null;
}

/**
 * The batch-norm kernels on this wasm backend's memory, or null where they cannot run there or
 * the SIMD modules are switched off (`setSimdKernelsEnabled`).
 */
export function batchNormKernels(backend: KernelBackend): BatchNormKernels | null {
  const memory = enabled ? backendMemory(backend) : null;
  if (memory === null) return null;
  const build = isShared(memory) ? 'batchNormShared' : 'batchNorm';
  return firstInstance(memory, [build]) as BatchNormKernels | null;
}

/**
 * The Winograd transforms on this wasm backend's memory (`grad`: the filter gradient's), or
 * null where the SIMD modules cannot run there or are switched off (`setSimdKernelsEnabled`).
 */
export function winogradTransforms(
  backend: KernelBackend,
  grad: true,
): WinogradGradTransforms | null;
export function winogradTransforms(backend: KernelBackend, grad?: false): WinogradTransforms | null;
export function winogradTransforms(backend: KernelBackend, grad = false): object | null {
  const memory = enabled ? backendMemory(backend) : null;
  if (memory === null) return null;
  const build = winogradBuild(isShared(memory), grad);
  return build === null ? null : firstInstance(memory, [build]);
}

/**
 * The build of a Winograd module to run: on a shared memory or not, the relaxed-SIMD one where
 * the runtime takes it and it is not switched off. Kernel threads instantiate the same one, so
 * a split transform gives the bits of an unsplit one.
 */
export function winogradBuild(shared: boolean, grad: boolean): Build | null {
  const base = grad ? 'winogradGrad' : 'winograd';
  const builds = (
    shared ? [`${base}SharedRelaxed`, `${base}Shared`] : [`${base}Relaxed`, base]
  ) as Build[];
  for (const build of relaxedEnabled ? builds : builds.slice(1)) {
    if (kernelModule(build) !== null) return build;
  }
  return null;
}

/** Byte offset of a tensor's data on the wasm heap (the heap view's own offset). */
export function heapAddress(backend: HeapBackend, info: TensorInfo): number {
  return backend.typedArrayFromHeap(info).byteOffset;
}
