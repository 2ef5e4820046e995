import type { KernelBackend } from '@tensorflow/tfjs-core';
import { TrainingKernelError } from '../errors.js';
import { envSwitch } from './env.js';
import { backendMemory, kernelModule, simdBuild, winogradBuild } from './simd.js';
import type { Build } from './simd.js';

/**
 * Threads for this package's own kernels on the threaded build (Node): XNNPACK's pool runs
 * tfjs's kernels, and `threads - 1` worker threads here instantiate this package's modules on
 * the same shared heap and wait on a control block. A kernel (the Winograd transforms and
 * GEMMs, the SIMD filter gradient, MaxPoolGrad) is cut into chunks that the calling thread and
 * the workers take in turn (`runSplit`). Pool threads and these take turns (a kernel of one kind runs between the
 * other's), so the cores are not oversubscribed. On by default where they can start
 * (`initWasmBackend`'s `kernelThreads`, SEVAR_KERNEL_THREADS=0 turns them off).
 */
/**
 * The modules a worker instantiates, by index (the relaxed-SIMD builds where the runtime has
 * them), and the exports it may be asked to run.
 */
const BUILDS = [
  'winogradShared',
  'winogradGradShared',
  'winogradSharedRelaxed',
  'winogradGradSharedRelaxed',
  'shared',
  'sharedRelaxed',
  'batchNormShared',
] as const satisfies readonly Build[];
/**
 * 0: the transforms, 1: the filter gradient's, 2: the kernel module (the plane GEMMs), 3: the
 * batch-norm module.
 */
export type SplitModule = 0 | 1 | 2 | 3;
const FUNCTIONS = [
  'winogradInput',
  'winogradOutput',
  'winogradFilter',
  'winogradGradOutput',
  'winogradFilterGrad',
  'planeGemm',
  'conv2dBackpropFilter',
  'maxPoolGrad',
  'channelMoments',
  'channelDot',
  'channelAffine',
  'channelAffineGrad',
] as const;

/** The build a worker runs for `module`: the one the calling thread has. */
function buildOf(module: SplitModule): Build | null {
  if (module === 3) return 'batchNormShared';
  return module === 2 ? simdBuild(true) : winogradBuild(true, module === 1);
}
export type SplitFunction = (typeof FUNCTIONS)[number];

// Control block (int32): generation, chunks done, a failure flag, workers ready, the next chunk
// to take, the chunk count; then one slot per chunk: module, function, argument count, arguments.
// NEXT holds the call's tag (its generation, 15 bits) above the chunk index (16 bits), so a
// worker still looking for work from an earlier call can never take a chunk of this one.
const [GENERATION, DONE, FAILED, READY, NEXT, CHUNKS, HEADER] = [0, 1, 2, 3, 4, 5, 6];
const SLOT = 24;
const MAX_ARGS = SLOT - 3;
/**
 * Chunks per thread: a kernel is cut into more pieces than threads and each thread takes the
 * next piece as it finishes one, so a thread slowed down (a core shared with XNNPACK's pool or
 * another process) does fewer. With one piece per thread, the calling thread of a ResNet-18
 * step (plain `optimizer.minimize`, 2 threads) spent 20% of its own kernel time waiting for the
 * other; on ResNet-18's layers alone 1, 2 and 4 pieces per thread timed alike within this
 * machine's noise.
 */
const CHUNKS_PER_THREAD = 4;
/** A part that takes longer than this means a worker is gone: fail rather than hang. */
const WAIT_MS = 120_000;

// The worker, evaluated from this string, so no file of its own has to be found; it runs as a
// script or as a module (a worker inherits --input-type), so no require or import.
const WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule('node:worker_threads');
const { memory, modules, names, control } = workerData;
const exportsOf = modules.map((m) =>
  m === null ? null : new WebAssembly.Instance(m, { env: { memory } }).exports,
);
const ctl = new Int32Array(control);
Atomics.add(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  const tag = (seen & 0x7fff) << 16;
  for (;;) {
    const next = Atomics.load(ctl, ${NEXT});
    if ((next & ~0xffff) !== tag) break;
    const chunk = next & 0xffff;
    if (chunk >= Atomics.load(ctl, ${CHUNKS})) break;
    if (Atomics.compareExchange(ctl, ${NEXT}, next, next + 1) !== next) continue;
    const at = ${HEADER} + chunk * ${SLOT};
    try {
      const args = Array.from(ctl.subarray(at + 3, at + 3 + ctl[at + 2]));
      exportsOf[ctl[at]][names[ctl[at + 1]]](...args);
    } catch {
      Atomics.store(ctl, ${FAILED}, 1);
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

interface Pool {
  control: Int32Array;
  /** Worker threads (the calling thread makes one more part). */
  workers: number;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  once(event: 'error' | 'online', listener: (error?: Error) => void): void;
}
type WorkerThreads = {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;
  isMainThread: boolean;
};

const pools = new WeakMap<object, Pool>();
const ENV = 'SEVAR_KERNEL_THREADS';
let enabled = true;

/**
 * Switches the splitting of this package's kernels over the kernel threads off (or back on):
 * off, they run on the calling thread alone. It only matters where `initWasmBackend` started
 * kernel threads (its `kernelThreads` option, or SEVAR_KERNEL_THREADS=1).
 */
export function setKernelThreadsEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Whether `initWasmBackend` was asked for kernel threads: its `kernelThreads` option, else the
 * environment variable SEVAR_KERNEL_THREADS ('1', 'on', 'true': on; '0', 'off', 'false': off;
 * anything else is an error); undefined where neither says (the default: on wherever they can
 * start).
 */
export function kernelThreadsWanted(options: { kernelThreads?: boolean }): boolean | undefined {
  return options.kernelThreads ?? envSwitch(ENV, 'kernel threads');
}

/** How many threads the package's kernels split over on `backend` (1: the calling thread). */
export function kernelThreads(backend: KernelBackend): number {
  const memory = enabled ? backendMemory(backend) : null;
  const pool = memory === null ? undefined : pools.get(memory);
  return pool === undefined ? 1 : pool.workers + 1;
}

/** The most chunks `runSplit` cuts a kernel into on `backend` (a part index stays below it). */
export function maxSplitParts(backend: KernelBackend): number {
  const threads = kernelThreads(backend);
  return threads === 1 ? 1 : threads * CHUNKS_PER_THREAD;
}

function workerThreads(): WorkerThreads | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
}

/**
 * Starts `threads - 1` workers for `backend`'s shared heap (Node, the threaded build; once per
 * heap). Resolves to the reason where it cannot (the package's kernels then run on the calling
 * thread), or undefined.
 */
export async function startKernelThreads(
  backend: KernelBackend,
  threads: number,
): Promise<string | undefined> {
  const memory = backendMemory(backend);
  const wt = workerThreads();
  if (threads < 2 || memory === null || wt === undefined) return 'not the threaded build in Node';
  if (pools.has(memory)) return undefined;
  const modules = BUILDS.map((b) => kernelModule(b));
  if (modules[0] === null || modules[1] === null || modules[4] === null) {
    return 'the shared-memory kernel modules do not load';
  }
  const slots = threads * CHUNKS_PER_THREAD;
  const control = new Int32Array(new SharedArrayBuffer(4 * (HEADER + SLOT * slots)));
  const started: NodeWorker[] = [];
  // The workers are unreferenced (they wait forever): keep the event loop busy meanwhile, or a
  // script awaiting only this would exit (code 13, an unsettled top-level await).
  const keepAlive = setInterval(() => {}, 1_000);
  try {
    await Promise.all(
      Array.from({ length: threads - 1 }, async () => {
        const worker = new wt.Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { memory, modules, names: FUNCTIONS, control: control.buffer },
        });
        started.push(worker);
        worker.unref();
        await new Promise<void>((resolve, reject) => {
          worker.once('online', () => resolve());
          worker.once('error', reject);
        });
      }),
    );
    // Online is before the module instantiates: wait for every worker's ready count.
    const deadline = Date.now() + 10_000;
    while (Atomics.load(control, READY) < threads - 1) {
      if (Date.now() > deadline) throw new Error('the kernel threads did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } catch (error) {
    await Promise.all(started.map((w) => w.terminate()));
    return String((error as Error).message ?? error);
  } finally {
    clearInterval(keepAlive);
  }
  pools.set(memory, { control, workers: threads - 1 });
  return undefined;
}

/**
 * Runs `fn` of module `module` over `[0, total)` cut into up to `maxSplitParts(backend)` chunks
 * (each a multiple of `align`, the last takes the rest): chunk p gets `argsFor(from, to, p)`.
 * The calling thread and the workers take chunks in turn until none is left; the calling thread
 * runs its chunks with `local`, the module instance it already has. The chunks' work must not
 * depend on which thread runs it (each writes only its own range).
 */
export function runSplit(
  backend: KernelBackend,
  local: object,
  module: SplitModule,
  fn: SplitFunction,
  total: number,
  align: number,
  argsFor: (from: number, to: number, part: number) => number[],
): void {
  const memory = enabled ? backendMemory(backend) : null;
  const pool = memory === null ? undefined : pools.get(memory);
  const call = (args: number[]) =>
    (local as Record<string, (...a: number[]) => void>)[fn]!(...args);
  const units = Math.floor(total / align);
  const chunks = pool === undefined ? 1 : Math.min(maxSplitParts(backend), units);
  if (chunks <= 1) {
    call(argsFor(0, total, 0));
    return;
  }
  const bound = (p: number) => (p === chunks ? total : Math.floor((units * p) / chunks) * align);
  const { control } = pool!;
  const build = BUILDS.indexOf(buildOf(module) as (typeof BUILDS)[number]);
  const generation = (Atomics.load(control, GENERATION) + 1) | 0;
  const tag = (generation & 0x7fff) << 16;
  // Closed under the new tag first: from here no worker can take a chunk of an earlier call, and
  // none of this one until its slots are written.
  Atomics.store(control, NEXT, tag | 0xffff);
  const all: number[][] = [];
  for (let p = 0; p < chunks; p++) {
    const at = HEADER + p * SLOT;
    const args = argsFor(bound(p), bound(p + 1), p);
    if (args.length > MAX_ARGS) throw new Error(`${fn}: ${args.length} arguments`);
    all.push(args);
    control[at] = build;
    control[at + 1] = FUNCTIONS.indexOf(fn);
    control[at + 2] = args.length;
    control.set(args, at + 3);
  }
  Atomics.store(control, CHUNKS, chunks);
  Atomics.store(control, DONE, 0);
  Atomics.store(control, NEXT, tag);
  Atomics.store(control, GENERATION, generation);
  Atomics.notify(control, GENERATION);
  for (;;) {
    const next = Atomics.load(control, NEXT);
    const chunk = next & 0xffff;
    if (chunk >= chunks) break;
    if (Atomics.compareExchange(control, NEXT, next, next + 1) !== next) continue;
    call(all[chunk]!);
    Atomics.add(control, DONE, 1);
  }
  for (;;) {
    const done = Atomics.load(control, DONE);
    if (done >= chunks) break;
    if (Atomics.wait(control, DONE, done, WAIT_MS) === 'timed-out') {
      pools.delete(memory!);
      throw new TrainingKernelError({
        subject: `@sevar/wasm-kernels: ${fn} on the kernel threads`,
        expected: `every chunk to finish within ${WAIT_MS / 1000} s`,
        received: `${done} of ${chunks} chunks done`,
        hint: 'setKernelThreadsEnabled(false) runs the kernels on the calling thread.',
      });
    }
  }
  if (Atomics.exchange(control, FAILED, 0) !== 0) {
    throw new TrainingKernelError({
      subject: `@sevar/wasm-kernels: ${fn} on the kernel threads`,
      expected: 'every chunk to run',
      received: 'a worker thread failed its chunk',
    });
  }
}
