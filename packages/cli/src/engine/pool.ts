import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '@sevar/trainer';
import type { Context } from '../context.js';
import type { DatasetName } from '@sevar/datasets';
import { CliError, InterruptedError } from '../errors.js';
import type { RunResult, RunSpec } from './run-files.js';

export interface WorkerInit {
  backend: BackendName;
  dataset: DatasetName;
  limitTrain?: number;
  limitTest?: number;
  dataDir?: string;
  verify?: boolean;
  /** Modules `sevar --import` loaded (file URLs or package names), loaded again in the worker. */
  imports?: readonly string[];
}

export type ToWorker =
  | { type: 'run'; id: number; spec: RunSpec; dir: string; label: string }
  | { type: 'interrupt'; presses: number };

export type FromWorker =
  | { type: 'out' | 'err'; text: string }
  | { type: 'result'; id: number; result: RunResult }
  | { type: 'error'; id: number; name: string; message: string; exitCode: number };

export interface PoolJob {
  spec: RunSpec;
  dir: string;
  label: string;
}

/** What the pool needs of a worker thread (a `Worker`, or a stand-in in tests). */
export interface PoolWorker {
  postMessage(message: ToWorker): void;
  on(event: 'message', listener: (m: FromWorker) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

/** The compiled worker script, or null when running from sources (tests): then no pool. */
export function workerScript(): string | null {
  const path = fileURLToPath(new URL('./worker.js', import.meta.url));
  return existsSync(path) ? path : null;
}

function threadWorker(init: WorkerInit): PoolWorker {
  const script = workerScript();
  if (script === null) throw new CliError('compare --jobs: the worker script is not built');
  return new Worker(script, { workerData: init }) as PoolWorker;
}

interface Failure {
  name: string;
  message: string;
  exitCode: number;
}

/**
 * The results in job order. Throws the first failure (an interrupt only when nothing else
 * failed), or an interrupt naming the first job that never ran. `results` may have holes.
 */
export function poolOutcome(
  jobs: readonly PoolJob[],
  results: readonly (RunResult | undefined)[],
  errors: readonly Failure[],
): RunResult[] {
  const failure = errors.find((e) => e.name !== 'InterruptedError') ?? errors[0];
  if (failure !== undefined) {
    if (failure.name === 'InterruptedError') {
      throw new InterruptedError(errors.map((e) => e.message).join('; '));
    }
    throw new CliError(failure.message, failure.exitCode);
  }
  // An index loop, not `some`: array methods skip the holes of jobs that never started.
  for (let i = 0; i < jobs.length; i++) {
    if (results[i] === undefined) {
      throw new InterruptedError(
        `interrupted before ${jobs[i]!.label} started; run the same command again to go on`,
      );
    }
  }
  return results as RunResult[];
}

/**
 * Trains `jobs` on `size` worker threads, each taking the next job when it finishes one.
 * Ctrl-C is forwarded to every worker. The first failure stops the others after their current
 * step; the error (an interrupt first) is rethrown once all workers have stopped.
 */
export async function runPool(
  jobs: readonly PoolJob[],
  size: number,
  init: WorkerInit,
  ctx: Context,
  spawn: (init: WorkerInit) => PoolWorker = threadWorker,
): Promise<RunResult[]> {
  const results: (RunResult | undefined)[] = new Array(jobs.length);
  const errors: Failure[] = [];
  let next = 0;
  const workers: PoolWorker[] = [];
  const stopAll = (presses: number) => {
    for (const w of workers) w.postMessage({ type: 'interrupt', presses });
  };
  // Removed when the pool ends: the context, and its Interrupt, outlive this run.
  const stopListening = ctx.interrupt.onPress((presses) => stopAll(presses));
  ctx.interrupt.training = true;

  const runWorker = (worker: PoolWorker) =>
    new Promise<void>((resolveRun) => {
      let done = false;
      const finish = () => {
        done = true;
        resolveRun();
      };
      const fail = (e: Failure, stopOthers: boolean) => {
        errors.push(e);
        if (stopOthers) stopAll(2);
        finish();
      };
      const take = () => {
        if (next >= jobs.length || errors.length > 0 || ctx.interrupt.stopAfterEpoch) {
          finish();
          return;
        }
        const id = next++;
        worker.postMessage({ type: 'run', id, ...jobs[id]! });
      };
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'out' || m.type === 'err') {
          (m.type === 'out' ? ctx.stdout : ctx.stderr).write(m.text);
        } else if (m.type === 'result') {
          results[m.id] = m.result;
          take();
        } else if (m.type === 'error') fail(m, m.name !== 'InterruptedError');
      });
      worker.on('error', (error) =>
        fail({ name: error.name, message: error.message, exitCode: 1 }, true),
      );
      // A worker that dies without an error event (killed, out of memory) must not hang the pool.
      worker.on('exit', (code) => {
        if (!done) {
          const message = `a training worker exited with code ${code}`;
          fail({ name: 'Error', message, exitCode: 1 }, true);
        }
      });
      take();
    });

  try {
    for (let i = 0; i < Math.min(size, jobs.length); i++) workers.push(spawn(init));
    await Promise.all(workers.map(runWorker));
  } finally {
    stopListening();
    ctx.interrupt.training = false;
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return poolOutcome(jobs, results, errors);
}
