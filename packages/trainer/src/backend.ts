import type { initWasmBackend } from '@sevar/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import {
  BackendInitError,
  BackendNotInstalledError,
  InvalidOptionError,
  isMissingPackage,
} from './errors.js';
import { switchTo } from './backend-switch.js';
import { setLowMemoryGradients } from './grads.js';
import { BackendOutOfMemoryError, type OutOfMemoryPhase } from './io-errors.js';
import {
  isNode,
  mayHaveGpu,
  prepareWebGpu,
  type WebGpuAdapterInfo,
  WebGpuNotChosen,
  type WebGpuOptions,
} from './webgpu.js';

export const BACKEND_NAMES = [
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'wasm',
  'webgl',
  'cpu',
] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ConcreteBackendName = Exclude<BackendName, 'auto'>;

/** The backend actually set. */
export interface BackendInfo {
  name: ConcreteBackendName;
  /** tfjs's registered name (`tensorflow` for both tfjs-node packages). */
  tfName: string;
  /** Version of the backend package. */
  version: string;
  /** wasm only: SIMD in use. */
  simd?: boolean;
  /** wasm only: tfjs-backend-wasm's threaded build in use (XNNPACK's pool over several cores). */
  threads?: boolean;
  /** wasm only: threads of XNNPACK's pool (1: the single-threaded build). */
  threadCount?: number;
  /**
   * wasm: whether `@sevar/wasm-kernels` gradient kernels are registered (conv nets train);
   * cpu: whether its faster convolution gradient kernels replace the stock ones.
   */
  trainingKernels?: boolean;
  /** webgpu only: the adapter (vendor, architecture, software or hardware). */
  adapter?: WebGpuAdapterInfo;
}

/** Imports a module by specifier; replaceable for tests. */
export type ModuleImporter = (specifier: string) => Promise<Record<string, unknown>>;

export interface UseBackendOptions {
  /** How modules are imported (defaults to dynamic `import()`); for tests and bundlers. */
  importModule?: ModuleImporter;
  /** Receives notes such as "wasm without training kernels". Default: console.warn. */
  onWarning?: (message: string) => void;
  /**
   * `cpu` only: replace tfjs-cpu's convolution gradient kernels with the faster ones of
   * `@sevar/wasm-kernels` (the stock filter gradient takes ~95% of a conv net's step). Default true;
   * false restores the stock kernels.
   */
  fastCpuKernels?: boolean;
  /** `webgpu` only: power preference and (Node) Dawn's backend, adapter name and flags. */
  webgpu?: WebGpuOptions;
  /**
   * `wasm` only: threads of XNNPACK's pool and of `@sevar/wasm-kernels`' own kernels, in Node
   * through tfjs-backend-wasm's threaded-SIMD build (started by `initWasmBackend`). Default:
   * every core in Node's main thread (`os.availableParallelism()`, at most 8), one in a Node
   * worker thread (data-parallel workers and run pools already spread over the cores); in
   * browsers the pool's size on cross-origin-isolated pages (elsewhere tfjs runs its
   * single-threaded build). `SEVAR_WASM_THREADS` gives the default in Node's main thread; 1
   * keeps the single-threaded build. Applies when this call initialises the backend.
   */
  wasmThreads?: number;
  /**
   * tfjs's own gradients (`optimizer.minimize`, `tf.variableGrads`, `model.fit`) free each
   * intermediate as soon as the backward pass is done with it (`setLowMemoryGradients`): same
   * values, a ResNet-18 step's peak memory 2.5× lower. Default true; false restores tfjs's.
   */
  lowMemoryGradients?: boolean;
}

/** The options with their defaults (wasmThreads: see `initWasmThreads`). */
type ResolvedOptions = Required<Omit<UseBackendOptions, 'wasmThreads' | 'lowMemoryGradients'>> &
  Pick<UseBackendOptions, 'wasmThreads'>;

interface Candidate {
  name: ConcreteBackendName;
  tfName: string;
  pkg: string;
  versionKey: string;
}

const CANDIDATES: Record<ConcreteBackendName, Candidate> = {
  'tensorflow-gpu': {
    name: 'tensorflow-gpu',
    tfName: 'tensorflow',
    pkg: '@tensorflow/tfjs-node-gpu',
    versionKey: 'version',
  },
  tensorflow: {
    name: 'tensorflow',
    tfName: 'tensorflow',
    pkg: '@tensorflow/tfjs-node',
    versionKey: 'version',
  },
  webgpu: {
    name: 'webgpu',
    tfName: 'webgpu',
    pkg: '@tensorflow/tfjs-backend-webgpu',
    versionKey: 'version_webgpu',
  },
  wasm: {
    name: 'wasm',
    tfName: 'wasm',
    pkg: '@tensorflow/tfjs-backend-wasm',
    versionKey: 'version_wasm',
  },
  webgl: {
    name: 'webgl',
    tfName: 'webgl',
    pkg: '@tensorflow/tfjs-backend-webgl',
    versionKey: 'version_webgl',
  },
  cpu: {
    name: 'cpu',
    tfName: 'cpu',
    pkg: '@tensorflow/tfjs-backend-cpu',
    versionKey: 'version_cpu',
  },
};

/** What the last successful `useBackend` set: tfjs names both tfjs-node packages `tensorflow`. */
let lastSet: { name: ConcreteBackendName; tfName: string } | null = null;

/**
 * The concrete name of the active backend, for code that must set up the same backend elsewhere
 * (data-parallel workers): the name `useBackend` resolved to while its backend is still active
 * (`tensorflow-gpu`, where `tf.getBackend()` reads `tensorflow`), else the name matching
 * `tf.getBackend()`. Throws `InvalidOptionError` naming `subject` for a backend `useBackend`
 * cannot set up (e.g. one a user registered).
 */
export function activeBackendName(subject = 'backend'): ConcreteBackendName {
  const active = tf.getBackend();
  if (lastSet !== null && lastSet.tfName === active) return lastSet.name;
  const match = Object.values(CANDIDATES).find(
    (c) => c.tfName === active && c.name !== 'tensorflow-gpu',
  );
  if (match === undefined) {
    throw new InvalidOptionError(
      subject,
      `one of ${BACKEND_NAMES.filter((n) => n !== 'auto')
        .map((n) => `'${n}'`)
        .join(', ')} (the active backend cannot be set up by useBackend; name one)`,
      active,
    );
  }
  return match.name;
}

/** `BackendOutOfMemoryError` naming the active backend (see `isOutOfMemory`). */
export function outOfMemory(
  batchSize: number,
  cause: unknown,
  phase: OutOfMemoryPhase = 'training',
): BackendOutOfMemoryError {
  let backend: string;
  try {
    backend = activeBackendName();
  } catch {
    // A backend useBackend cannot name (registered by the app): tfjs's name says enough here.
    backend = tf.getBackend();
  }
  return new BackendOutOfMemoryError(backend, batchSize, cause, phase);
}

const defaultImporter: ModuleImporter = (specifier) =>
  import(specifier) as Promise<Record<string, unknown>>;

function versionOf(mod: Record<string, unknown>, key: string): string {
  const v = mod[key];
  if (typeof v === 'string') return v;
  // tfjs-node exports `version` as an object of package versions.
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of ['tfjs-node', 'tfjs-node-gpu', 'tfjs'])
      if (typeof o[k] === 'string') return o[k];
  }
  return tf.version_core;
}

async function activate(
  candidate: Candidate,
  opts: ResolvedOptions,
  hardwareOnly = false,
): Promise<BackendInfo> {
  const { name, tfName, pkg } = candidate;
  // Without a GPU device node, Linux has no hardware adapter: `auto` need not load Dawn.
  if (name === 'webgpu' && hardwareOnly && !(await mayHaveGpu())) {
    throw new WebGpuNotChosen('this machine has no GPU device (/dev/dri/renderD*, /dev/nvidia*)');
  }
  let mod: Record<string, unknown>;
  try {
    mod = await opts.importModule(pkg);
  } catch (error) {
    const registered = tfName !== 'tensorflow' && tf.findBackendFactory(tfName) !== null;
    if (isMissingPackage(error, pkg) && registered) {
      // Imported by the app itself (e.g. a browser bundle that cannot follow dynamic imports).
      mod = {};
    } else if (isMissingPackage(error, pkg)) {
      throw new BackendNotInstalledError(name, pkg, { cause: error });
    } else {
      throw new BackendInitError(name, `importing ${pkg} failed: ${String(error)}`, {
        cause: error,
      });
    }
  }
  let adapter: WebGpuAdapterInfo | undefined;
  if (name === 'webgpu' && tf.getKernelsForBackend(tfName).length > 0) {
    adapter = await prepareWebGpu(mod, opts.webgpu, opts.importModule, hardwareOnly);
  }
  if (tf.findBackendFactory(tfName) === null || tf.getKernelsForBackend(tfName).length === 0) {
    // The package registered its backend on another copy of tfjs-core (version mismatch).
    throw new BackendInitError(
      name,
      `${pkg} loaded but registered no '${tfName}' backend with this @tensorflow/tfjs-core ` +
        `(${tf.version_core}); it is probably bound to a different tfjs-core copy. ` +
        `Install versions that match: \`npm install ${pkg}@${tf.version_core}\``,
    );
  }
  let trainingKernels: boolean | undefined;
  let threadCount: number | undefined;
  if (name === 'wasm') {
    trainingKernels = await registerKernels('registerWasmTrainingKernels', opts);
    threadCount = await initWasmThreads(name, opts);
  }
  if (name === 'cpu' && opts.fastCpuKernels) {
    trainingKernels = await registerKernels('registerCpuTrainingKernels', opts);
  } else if (name === 'cpu') {
    // Put back tfjs-cpu's stock kernels in case an earlier call replaced them.
    const { unregisterCpuTrainingKernels } = await import('@sevar/wasm-kernels');
    unregisterCpuTrainingKernels();
  }
  await switchTo(name, tfName);
  await tf.ready();
  // A backend that initialises but cannot compute is useless; check one op end to end (1024
  // elements: webgpu computes smaller tensors that live on the CPU on the CPU).
  const probe = tf.tidy(() => tf.sum(tf.add(tf.ones([1024]), tf.ones([1024]))));
  const value = (await probe.data())[0];
  probe.dispose();
  if (value !== 2048) throw new BackendInitError(name, `probe sum(1 + 1) returned ${value}`);

  lastSet = { name, tfName };
  const info: BackendInfo = { name, tfName, version: versionOf(mod, candidate.versionKey) };
  if (adapter !== undefined) info.adapter = adapter;
  if (name === 'cpu') info.trainingKernels = trainingKernels ?? false;
  if (name === 'wasm') {
    info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    info.threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    info.threadCount = threadCount ?? 1;
    info.trainingKernels = trainingKernels ?? false;
  }
  return info;
}

async function registerKernels(
  exportName: 'registerWasmTrainingKernels' | 'registerCpuTrainingKernels',
  opts: ResolvedOptions,
): Promise<boolean> {
  try {
    // A literal specifier, so that bundlers include this (regular) dependency.
    const kernels = await import('@sevar/wasm-kernels');
    kernels[exportName]();
    return true;
  } catch (error) {
    opts.onWarning(
      `@sevar/trainer: ${exportName} from @sevar/wasm-kernels failed (${String(error)}); ` +
        'convolution gradient kernels not registered',
    );
    return false;
  }
}

const THREADS_ENV = 'SEVAR_WASM_THREADS';

interface NodeProcess {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * `SEVAR_WASM_THREADS` where the environment sets it (Node's main thread), else undefined:
 * `initWasmBackend`'s default (every core; one in a worker thread). Worker threads share the
 * environment but already spread the work (compare's pool, data parallelism): there it would
 * put a pool of threads in every worker.
 */
function threadsFromEnv(): string | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const threads = proc?.getBuiltinModule?.('node:worker_threads') as
    { isMainThread: boolean } | undefined;
  if (threads?.isMainThread === false) return undefined;
  const value = proc?.env?.[THREADS_ENV];
  return value === undefined || value === '' ? undefined : value;
}

/** Starts wasm with `opts.wasmThreads` threads; a threaded build that cannot start is a warning. */
async function initWasmThreads(
  name: ConcreteBackendName,
  opts: ResolvedOptions,
): Promise<number | undefined> {
  const fromEnv = opts.wasmThreads === undefined ? threadsFromEnv() : undefined;
  const threads = opts.wasmThreads ?? (fromEnv === undefined ? undefined : Number(fromEnv));
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    const option = fromEnv === undefined ? 'wasmThreads' : `${THREADS_ENV} (environment)`;
    throw new InvalidOptionError(`useBackend: ${option}`, 'an integer >= 1', fromEnv ?? threads);
  }
  let init: typeof initWasmBackend;
  try {
    ({ initWasmBackend: init } = await import('@sevar/wasm-kernels'));
  } catch {
    return undefined;
  }
  try {
    const started = await init(threads === undefined ? {} : { threads });
    if (started.fallbackReason !== undefined) {
      opts.onWarning(
        `@sevar/trainer: wasm runs on one thread: the threaded build did not start (${started.fallbackReason})`,
      );
    }
    return started.threads;
  } catch (error) {
    throw new BackendInitError(name, `initialisation failed: ${String(error)}`, { cause: error });
  }
}

/**
 * Selects and initialises a tfjs backend, resolving to what was actually set.
 *
 * `auto` tries, fastest first, `tensorflow-gpu`, `tensorflow` (tfjs-node), `webgpu` (only on a
 * hardware adapter: a software one is slower than wasm), then in a browser `webgl`, then `wasm`
 * (only with the training kernels of `@sevar/wasm-kernels`), then `cpu`, and takes the first
 * that is installed and works. A named backend whose package is missing
 * throws `BackendNotInstalledError` with the `npm install` line.
 */
export async function useBackend(
  name: BackendName,
  options: UseBackendOptions = {},
): Promise<BackendInfo> {
  const opts: ResolvedOptions = {
    importModule: options.importModule ?? defaultImporter,
    onWarning: options.onWarning ?? ((m) => console.warn(m)),
    fastCpuKernels: options.fastCpuKernels ?? true,
    webgpu: options.webgpu ?? {},
    ...(options.wasmThreads === undefined ? {} : { wasmThreads: options.wasmThreads }),
  };
  setLowMemoryGradients(options.lowMemoryGradients ?? true);
  if (name !== 'auto') {
    const candidate = CANDIDATES[name as ConcreteBackendName] as Candidate | undefined;
    if (candidate === undefined) {
      throw new InvalidOptionError(
        'useBackend: name',
        `one of ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}`,
        name,
      );
    }
    return activate(candidate, opts);
  }
  const order: ConcreteBackendName[] = isNode()
    ? ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']
    : ['webgpu', 'webgl', 'wasm', 'cpu'];
  const reasons: string[] = [];
  for (const n of order) {
    try {
      const info = await activate(CANDIDATES[n], opts, n === 'webgpu');
      if (n === 'wasm' && info.trainingKernels !== true) {
        reasons.push('wasm: no training kernels');
        continue;
      }
      return info;
    } catch (error) {
      if (!(error instanceof BackendNotInstalledError || error instanceof WebGpuNotChosen)) {
        opts.onWarning(
          `@sevar/trainer: backend '${n}' skipped: ${String((error as Error).message ?? error)}`,
        );
      }
      reasons.push(`${n}: ${(error as Error).message}`);
    }
  }
  throw new BackendInitError('auto', `no backend could be set up (${reasons.join('; ')})`);
}
