import type { KernelBackend } from '@tensorflow/tfjs-core';
import { TrainingKernelError } from '../errors.js';
import { envSwitch } from './env.js';
import { backendMemory, kernelModule, simdBuild, winogradBuild } from './simd.js';
import type { Build } from './simd.js';

/**
 * Threads for this package's own kernels on the threaded build (Node): XNNPACK's pool runs
 * tfjs's kernels, and `threads - 1` worker threads here instantiate this package's modules on
 * the same shared heap and wait on a control block. A kernel (the Winograd transforms and
 * GEMMs, the SIMD filter gradient) is split into ranges; the calling thread runs the first and
 * waits for the rest. Pool threads and these take turns (a kernel of one kind runs between the
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
] as const satisfies readonly Build[];
/** 0: the transforms, 1: the filter gradient's, 2: the kernel module (the plane GEMMs). */
export type SplitModule = 0 | 1 | 2;
const FUNCTIONS = [
  'winogradInput',
  'winogradOutput',
  'winogradFilter',
  'winogradGradOutput',
  'winogradFilterGrad',
  'planeGemm',
  'conv2dBackpropFilter',
  'maxPoolGrad',
] as const;

/** The build a worker runs for `module`: the one the calling thread has. */
function buildOf(module: SplitModule): Build | null {
  return module === 2 ? simdBuild(true) : winogradBuild(true, module === 1);
}
export type SplitFunction = (typeof FUNCTIONS)[number];

// Control block (int32): generation, parts done, a failure flag, workers ready; then one slot
// per worker: module, function, argument count, arguments.
const [GENERATION, DONE, FAILED, READY, HEADER] = [0, 1, 2, 3, 4];
const SLOT = 24;
const MAX_ARGS = SLOT - 3;
/** A part that takes longer than this means a worker is gone: fail rather than hang. */
const WAIT_MS = 120_000;

// The worker, evaluated from this string, so no file of its own has to be found; it runs as a
// script or as a module (a worker inherits --input-type), so no require or import.
const WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule('node:worker_threads');
const { memory, modules, names, control, slot } = workerData;
const exportsOf = modules.map((m) =>
  m === null ? null : new WebAssembly.Instance(m, { env: { memory } }).exports,
);
const ctl = new Int32Array(control);
const at = ${HEADER} + slot * ${SLOT};
Atomics.add(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  try {
    const args = Array.from(ctl.subarray(at + 3, at + 3 + ctl[at + 2]));
    exportsOf[ctl[at]][names[ctl[at + 1]]](...args);
  } catch {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
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

/** How many parts the package's kernels split into on `backend` (1: the calling thread). */
export function kernelThreads(backend: KernelBackend): number {
  const memory = enabled ? backendMemory(backend) : null;
  const pool = memory === null ? undefined : pools.get(memory);
  return pool === undefined ? 1 : pool.workers + 1;
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
  const control = new Int32Array(new SharedArrayBuffer(4 * (HEADER + SLOT * (threads - 1))));
  const started: NodeWorker[] = [];
  // The workers are unreferenced (they wait forever): keep the event loop busy meanwhile, or a
  // script awaiting only this would exit (code 13, an unsettled top-level await).
  const keepAlive = setInterval(() => {}, 1_000);
  try {
    await Promise.all(
      Array.from({ length: threads - 1 }, async (_, slot) => {
        const worker = new wt.Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { memory, modules, names: FUNCTIONS, control: control.buffer, slot },
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
 * Runs `fn` of transform module `module` over `[0, total)` in `kernelThreads(backend)` parts
 * (each a multiple of `align`, the last takes the rest): part p gets `argsFor(from, to, p)`.
 * The calling thread runs part 0 with `local`, the module instance it already has.
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
  const parts = pool === undefined ? 1 : Math.min(pool.workers + 1, units);
  if (parts <= 1) {
    call(argsFor(0, total, 0));
    return;
  }
  const bound = (p: number) => (p === parts ? total : Math.floor((units * p) / parts) * align);
  const { control } = pool!;
  for (let p = 1; p <= pool!.workers; p++) {
    const at = HEADER + (p - 1) * SLOT;
    // Workers past `parts` run an empty range.
    const args = p < parts ? argsFor(bound(p), bound(p + 1), p) : argsFor(total, total, p);
    if (args.length > MAX_ARGS) throw new Error(`${fn}: ${args.length} arguments`);
    control[at] = BUILDS.indexOf(buildOf(module) as (typeof BUILDS)[number]);
    control[at + 1] = FUNCTIONS.indexOf(fn);
    control[at + 2] = args.length;
    control.set(args, at + 3);
  }
  Atomics.store(control, DONE, 0);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
  call(argsFor(0, bound(1), 0));
  for (;;) {
    const done = Atomics.load(control, DONE);
    if (done >= pool!.workers) break;
    if (Atomics.wait(control, DONE, done, WAIT_MS) === 'timed-out') {
      pools.delete(memory!);
      throw new TrainingKernelError({
        subject: `@sevar/wasm-kernels: ${fn} on the kernel threads`,
        expected: `every thread to finish its part within ${WAIT_MS / 1000} s`,
        received: `${done} of ${pool!.workers} parts done`,
        hint: 'setKernelThreadsEnabled(false) runs the kernels on the calling thread.',
      });
    }
  }
  if (Atomics.exchange(control, FAILED, 0) !== 0) {
    throw new TrainingKernelError({
      subject: `@sevar/wasm-kernels: ${fn} on the kernel threads`,
      expected: 'every part to run',
      received: 'a worker thread failed its part',
    });
  }
}
