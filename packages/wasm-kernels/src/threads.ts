import * as tf from '@tensorflow/tfjs-core';
import { BackendNotLoadedError } from './errors.js';
import { kernelThreadsWanted, startKernelThreads } from './kernels/kernel_threads.js';

export interface InitWasmBackendOptions {
  /**
   * Threads of XNNPACK's pool (the calling thread included). Default: every logical core (tfjs
   * alone takes half of them, so a 2-core machine would get one); 1 in a Node worker thread.
   * 1 selects the single-threaded build.
   */
  threads?: number;
  /**
   * Also split this package's own kernels (the Winograd transforms and GEMMs, the SIMD filter
   * gradient) over `threads` threads on the same shared heap (Node, the threaded build). Default:
   * the environment variable SEVAR_KERNEL_THREADS ('0', 'off', 'false' turn it off), else on
   * wherever they can start. Where they cannot (one thread, no Node workers), `true` makes
   * `kernelThreadsFallbackReason` say why.
   */
  kernelThreads?: boolean;
}

/** What `initWasmBackend` set up. */
export interface WasmBackendThreads {
  /** Threads XNNPACK's pool uses (1: the single-threaded build). */
  threads: number;
  /** Why the threaded build is not in use, when more than one thread was asked for. */
  fallbackReason?: string;
  /** Why no kernel threads started, when they were asked for (`kernelThreads`). */
  kernelThreadsFallbackReason?: string;
}

/** `threads`, plus why the kernel threads did not start where they were asked for. */
async function withKernelThreads(
  options: InitWasmBackendOptions,
  threads: number,
): Promise<WasmBackendThreads> {
  const asked = kernelThreadsWanted(options);
  if (asked === false || (asked === undefined && threads < 2)) return { threads };
  const reason = await startKernelThreads(tf.backend(), threads);
  // Not starting is only worth a reason where they were asked for by name.
  return reason === undefined || asked === undefined
    ? { threads }
    : { threads, kernelThreadsFallbackReason: reason };
}

// The slice of Node's modules used here, reached through process.getBuiltinModule (Node 20.16+)
// so that bundlers building for browsers see no `node:` import.
interface NodeOs {
  cpus(): unknown[];
  availableParallelism?(): number;
  tmpdir(): string;
}
interface NodeFs {
  mkdtempSync(prefix: string): string;
  writeFileSync(path: string, text: string): void;
}
interface NodeWorker {
  ref(): void;
  unref(): void;
}
interface PThreads {
  unusedWorkers?: NodeWorker[];
  runningWorkers?: NodeWorker[];
}

function builtin<T>(name: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(name) as T | undefined;
}

const isNode = (): boolean =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node ===
  'string';

// tfjs's Node bundle renamed its requires; the threaded factory's source, evaluated again in each
// worker, refers to them by these names.
const BUNDLE_ALIASES =
  "var require$$0=require('fs'),require$$1=require('path'),require$$2=require('worker_threads')," +
  "require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;\n";
const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';

/**
 * While tfjs initialises the threaded build in Node: tfjs hands Emscripten its two scripts as
 * `Blob`s, which `worker_threads` cannot load, so each is written to a file (the worker's told to
 * read the factory from its file), and `os.cpus()` reports twice `threads` cores, since tfjs
 * sizes XNNPACK's pool at half the logical cores. Returns the function that undoes all of it.
 */
function patchForNodeThreads(threads: number): () => void {
  const fsModule = builtin<NodeFs>('node:fs');
  const os = builtin<NodeOs>('node:os');
  if (fsModule === undefined || os === undefined) {
    throw new Error('process.getBuiltinModule is missing (Node 20.16 or later is needed)');
  }
  const fs = fsModule;
  const dir = fs.mkdtempSync(`${os.tmpdir()}/tfjs-wasm-threads-`);
  const mainPath = `${dir}/main.js`;
  const workerPath = `${dir}/worker.js`;
  const texts = new WeakMap<object, string>();
  const g = globalThis as unknown as { Blob: typeof Blob; URL: typeof URL };
  const { Blob: OriginalBlob } = g;
  const originalCreate = g.URL.createObjectURL;
  const originalCpus = os.cpus;
  g.Blob = class extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts = args[0];
      if (parts?.every((p) => typeof p === 'string')) {
        const text = parts.join('');
        texts.set(this, text);
        if (text.startsWith(FACTORY_PREFIX)) fs.writeFileSync(mainPath, BUNDLE_ALIASES + text);
      }
    }
  };
  g.URL.createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined || text.startsWith(FACTORY_PREFIX)) return originalCreate(blob);
    const redirect = `URL.createObjectURL=()=>${JSON.stringify(mainPath)};URL.revokeObjectURL=()=>{};\n`;
    fs.writeFileSync(workerPath, redirect + text);
    return workerPath;
  };
  const real = originalCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  return () => {
    g.Blob = OriginalBlob;
    g.URL.createObjectURL = originalCreate;
    os.cpus = originalCpus;
  };
}

/** Emscripten refs a pthread's worker while it runs; XNNPACK's pool threads run forever. */
function letProcessExit(backend: unknown): void {
  const pthreads = (backend as { wasm?: { PThread?: PThreads } }).wasm?.PThread;
  for (const w of [...(pthreads?.unusedWorkers ?? []), ...(pthreads?.runningWorkers ?? [])]) {
    w.ref = () => {};
    w.unref();
  }
}

type WasmModule = {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
};

async function initOnce(wasm: WasmModule, threads: number): Promise<boolean> {
  // Browsers: tfjs's own detection (a cross-origin-isolated page) decides the build.
  if (isNode() || threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  wasm.setThreadsCount(threads);
  const undo = threads > 1 && isNode() ? patchForNodeThreads(threads) : () => {};
  // Emscripten unrefs each pool worker once it has loaded, while the start-up still waits for
  // their messages: a script whose only pending work is this initialisation could otherwise see
  // Node's event loop run empty and exit (code 13, an unsettled top-level await).
  const keepAlive = threads > 1 && isNode() ? setInterval(() => {}, 1_000) : undefined;
  try {
    return await tf.setBackend('wasm');
  } finally {
    clearInterval(keepAlive);
    undo();
  }
}

/**
 * Whether tfjs has initialised wasm. Not `tf.findBackend`: that starts the initialisation
 * itself, with the flags of the moment.
 */
function initialised(): boolean {
  return 'wasm' in (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
}

/** tfjs remembers a failed initialisation; a fresh registration of the factory forgets it. */
function reRegister(): void {
  const factory = tf.findBackendFactory('wasm');
  if (factory === null) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, 2);
}

function defaultThreads(): number {
  // A Node worker thread: the app already spreads its work over threads (data parallelism, a
  // pool of runs); a pool per worker over every core would oversubscribe them.
  if (builtin<{ isMainThread: boolean }>('node:worker_threads')?.isMainThread === false) return 1;
  const os = builtin<NodeOs>('node:os');
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(
    1,
    os?.availableParallelism?.() ?? os?.cpus().length ?? nav?.hardwareConcurrency ?? 1,
  );
}

/**
 * Initialises tfjs's 'wasm' backend and makes it the active one, with XNNPACK's thread pool
 * spread over `threads` cores: in Node through tfjs-backend-wasm's threaded-SIMD build, which
 * tfjs itself leaves off there (its scripts reach the workers as files here). Where the
 * threaded build cannot start it falls back to the single-threaded one and says why. Call
 * after importing '@tensorflow/tfjs-backend-wasm' and before anything else initialises it; if
 * the backend is already initialised, reports the threads it has.
 */
export async function initWasmBackend(
  options: InitWasmBackendOptions = {},
): Promise<WasmBackendThreads> {
  if (tf.findBackendFactory('wasm') === null) {
    throw new BackendNotLoadedError({
      subject: 'initWasmBackend',
      expected: "the 'wasm' backend registered by '@tensorflow/tfjs-backend-wasm'",
      received: 'no wasm backend',
      hint: "Import '@tensorflow/tfjs-backend-wasm' first.",
    });
  }
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmModule;
  const threads = Math.max(1, Math.floor(options.threads ?? defaultThreads()));
  if (initialised()) {
    await tf.setBackend('wasm');
    return withKernelThreads(options, wasm.getThreadsCount());
  }
  let fallbackReason: string | undefined;
  if (threads > 1) {
    try {
      if (await initOnce(wasm, threads)) {
        letProcessExit(tf.engine().findBackend('wasm'));
        // The package's own kernels split over the same number of threads; where their workers
        // cannot start, those kernels stay on the calling thread (XNNPACK keeps its pool).
        return withKernelThreads(options, wasm.getThreadsCount());
      }
      fallbackReason = 'the threaded build did not initialise';
    } catch (error) {
      fallbackReason = String((error as Error).message ?? error);
    }
    reRegister();
  }
  if (!(await initOnce(wasm, 1))) {
    throw new BackendNotLoadedError({
      subject: 'initWasmBackend',
      expected: "tf.setBackend('wasm') to succeed",
      received: 'false',
    });
  }
  return {
    ...(await withKernelThreads(options, 1)),
    ...(fallbackReason === undefined ? {} : { fallbackReason }),
  };
}
