// The `webgpu` backend's set-up: in Node, Dawn's `dawn.node` from the optional `webgpu` npm
// package provides `navigator.gpu`; in a browser the page has it. The adapter is requested here
// (not by tfjs-backend-webgpu's own factory) so that its options apply and `useBackend` can
// report it, and so that `auto` can refuse a software adapter before any device exists.
import * as tf from '@tensorflow/tfjs-core';
import {
  BackendInitError,
  BackendNotInstalledError,
  InvalidOptionError,
  isMissingPackage,
} from './errors.js';

/** Extra Dawn flags (Node), separated by spaces: `enable-dawn-features=a,b disable-dawn-features=c`. */
export const DAWN_FLAGS_ENV = 'SEVAR_DAWN_FLAGS';

/** The npm package that provides WebGPU in Node (Dawn's `dawn.node`). */
export const DAWN_PACKAGE = 'webgpu';

export const POWER_PREFERENCES = ['high-performance', 'low-power'] as const;

/** `useBackend('webgpu', { webgpu })`: which adapter to take. */
export interface WebGpuOptions {
  /** Passed to `navigator.gpu.requestAdapter`. Default `'high-performance'`. */
  powerPreference?: (typeof POWER_PREFERENCES)[number];
  /** Node: Dawn's backend, e.g. `'vulkan'`, `'metal'`, `'d3d12'`, `'opengl'`. Default: Dawn's choice. */
  dawnBackend?: string;
  /** Node: the adapter's name as Dawn lists it (a wrong name makes Dawn list the available ones). */
  adapterName?: string;
  /** Node: more Dawn flags (`'enable-dawn-features=...'`); `SEVAR_DAWN_FLAGS` adds to them. */
  dawnFlags?: string[];
}

/** The adapter `useBackend('webgpu')` trains on. */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (lavapipe, SwiftShader, WARP): slower than wasm; `auto` skips it. */
  software: boolean;
}

// The subset of the WebGPU API used here (the DOM's GPU types are not part of this build).
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor: unknown): Promise<unknown>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
type BackendClass = new (device: unknown, adapterInfo: unknown) => tf.KernelBackend;

/** Why `auto` passed over webgpu: no hardware adapter (a software one stays available by name). */
export class WebGpuNotChosen extends BackendInitError {
  constructor(
    reason: string,
    readonly adapter: WebGpuAdapterInfo | null = null,
  ) {
    super('webgpu', `${reason}; 'auto' takes webgpu only on a hardware adapter`);
    this.name = 'WebGpuNotChosen';
  }
}

function softwareSkipped(adapter: WebGpuAdapterInfo): WebGpuNotChosen {
  return new WebGpuNotChosen(
    `the adapter is a software one (${adapter.description || adapter.device}), slower than ` +
      "wasm (name 'webgpu' to use it)",
    adapter,
  );
}

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && !('document' in globalThis);
}

/** The flags Dawn is created with: the options' and then `SEVAR_DAWN_FLAGS`'s. */
export function dawnFlags(options: WebGpuOptions): string[] {
  const flags: string[] = [];
  if (options.dawnBackend !== undefined) flags.push(`backend=${options.dawnBackend}`);
  if (options.adapterName !== undefined) flags.push(`adapter=${options.adapterName}`);
  flags.push(...(options.dawnFlags ?? []));
  const env = isNode() ? process.env[DAWN_FLAGS_ENV] : undefined;
  if (env !== undefined) flags.push(...env.split(/\s+/).filter((f) => f !== ''));
  return flags;
}

/** True for adapters that run on the CPU (a fallback adapter, or a known software driver). */
export function isSoftwareAdapter(info: GpuAdapterInfoLike, fallback = false): boolean {
  if (fallback || info.isFallbackAdapter === true) return true;
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return /software|swiftshader|llvmpipe|lavapipe|microsoft basic render|\bwarp\b/i.test(text);
}

function describeAdapter(adapter: GpuAdapterLike): WebGpuAdapterInfo {
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: isSoftwareAdapter(info, adapter.isFallbackAdapter === true),
  };
}

/** Node: one Dawn instance per set of flags; kept so that adapters stay valid. */
const dawnInstances = new Map<string, GpuLike>();

type Importer = (specifier: string) => Promise<Record<string, unknown>>;

/**
 * `navigator.gpu`: the page's in a browser; in Node a Dawn instance created from the `webgpu`
 * package with `flags`, exposed as `navigator.gpu` (Node 20 has no `navigator`; Node 21+ has a
 * read-only one, which gets a `gpu` property) with the `GPUBufferUsage`-style globals tfjs reads.
 */
export async function navigatorGpu(flags: string[], importModule: Importer): Promise<GpuLike> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (!isNode()) {
    if (nav?.gpu === undefined) {
      throw new BackendInitError('webgpu', 'this browser has no WebGPU (navigator.gpu is absent)');
    }
    return nav.gpu;
  }
  const key = JSON.stringify(flags);
  let gpu = dawnInstances.get(key);
  if (gpu === undefined) {
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(DAWN_PACKAGE);
    } catch (error) {
      if (isMissingPackage(error, DAWN_PACKAGE)) {
        throw new BackendNotInstalledError('webgpu', DAWN_PACKAGE, { cause: error });
      }
      throw new BackendInitError('webgpu', `loading ${DAWN_PACKAGE} failed: ${String(error)}`, {
        cause: error,
      });
    }
    const create = mod.create as ((flags: string[]) => GpuLike) | undefined;
    const globals = (mod.globals ?? {}) as Record<string, unknown>;
    if (typeof create !== 'function') {
      throw new BackendInitError('webgpu', `${DAWN_PACKAGE} loaded but exports no create()`);
    }
    for (const [name, value] of Object.entries(globals)) {
      if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
    }
    try {
      gpu = create(flags);
    } catch (error) {
      throw new BackendInitError('webgpu', `Dawn refused the flags [${flags.join(', ')}]`, {
        cause: error,
      });
    }
    dawnInstances.set(key, gpu);
  }
  exposeGpu(gpu);
  return gpu;
}

function exposeGpu(gpu: GpuLike): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu },
      configurable: true,
      writable: true,
    });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/** What the registered `webgpu` backend was made from, so that a repeated call reuses it. */
let prepared: { key: string; adapter: WebGpuAdapterInfo } | null = null;

/**
 * Requests the adapter and registers tfjs's `webgpu` backend on it (replacing a backend made
 * with other options). With `hardwareOnly`, a software adapter throws `WebGpuNotChosen`
 * before any device is created.
 */
export async function prepareWebGpu(
  mod: Record<string, unknown>,
  options: WebGpuOptions,
  importModule: Importer,
  hardwareOnly: boolean,
): Promise<WebGpuAdapterInfo> {
  const powerPreference = options.powerPreference ?? 'high-performance';
  if (!(POWER_PREFERENCES as readonly string[]).includes(powerPreference)) {
    throw new InvalidOptionError(
      'useBackend: webgpu.powerPreference',
      POWER_PREFERENCES.map((p) => `'${p}'`).join(' or '),
      powerPreference,
    );
  }
  const flags = dawnFlags(options);
  const key = JSON.stringify({ flags, powerPreference });
  const engine = tf.engine() as unknown as { registry: Record<string, unknown> };
  if (prepared?.key === key && engine.registry.webgpu !== undefined) {
    if (hardwareOnly && prepared.adapter.software) throw softwareSkipped(prepared.adapter);
    return prepared.adapter;
  }
  const gpu = await navigatorGpu(flags, importModule);
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (adapter === null) {
    throw new BackendInitError(
      'webgpu',
      isNode()
        ? 'no WebGPU adapter: expected a GPU driver with Vulkan, Metal or D3D12 ' +
            '(Linux without a GPU: Mesa 24+ lavapipe, `mesa-vulkan-drivers`)'
        : 'the browser offers no WebGPU adapter (no usable GPU, or WebGPU blocked or turned ' +
            'off in the browser)',
    );
  }
  const info = describeAdapter(adapter);
  if (hardwareOnly && info.software) throw softwareSkipped(info);
  const Backend = mod.WebGPUBackend as BackendClass | undefined;
  if (Backend === undefined) {
    // Imported by the app (a bundle): keep tfjs's own factory, which requests its own adapter.
    prepared = { key, adapter: info };
    return info;
  }
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => new Backend(await requestDevice(adapter), adapter.info));
  prepared = { key, adapter: info };
  return info;
}

/** The device as tfjs-backend-webgpu 4.22's own factory requests it (same features and limits). */
async function requestDevice(adapter: GpuAdapterLike): Promise<unknown> {
  const requiredFeatures = ['timestamp-query', 'bgra8unorm-storage'].filter((f) =>
    adapter.features.has(f),
  );
  const limitNames = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
  ];
  const requiredLimits = Object.fromEntries(limitNames.map((n) => [n, adapter.limits[n]]));
  return adapter.requestDevice({ requiredFeatures, requiredLimits });
}

/**
 * Linux only: whether the machine has a GPU device node at all (`/dev/dri/renderD*`,
 * `/dev/nvidia*`, WSL's `/dev/dxg`). Without one no hardware adapter can exist, so `auto` skips
 * webgpu without loading Dawn. Elsewhere: true (Metal, D3D12).
 */
export async function mayHaveGpu(): Promise<boolean> {
  if (!isNode() || process.platform !== 'linux') return true;
  const { existsSync, readdirSync } = await import('node:fs');
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  return (
    list('/dev/dri').some((f) => f.startsWith('renderD')) ||
    list('/dev').some((f) => /^nvidia\d+$/.test(f) || f === 'dxg')
  );
}
