import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '@sevar/trainer';
import type { Context } from './context.js';
import type { DatasetName } from './data.js';
import { CliError, InterruptedError } from './errors.js';
import type { RunResult, RunSpec } from './run.js';

export interface WorkerInit {
  backend: BackendName;
  dataset: DatasetName;
  limitTrain?: number;
  limitTest?: number;
  dataDir?: string;
}

export type ToWorker =
  | { type: 'run'; id: number; spec: RunSpec; dir: string; label: string }
  | { type: 'interrupt'; presses: number };

type FromWorker =
  | { type: 'out' | 'err'; text: string }
  | { type: 'result'; id: number; result: RunResult }
  | { type: 'error'; id: number; name: string; message: string; exitCode: number };

export interface PoolJob {
  spec: RunSpec;
  dir: string;
  label: string;
}

/** The compiled worker script, or null when running from sources (tests): then no pool. */
export function workerScript(): string | null {
  const path = fileURLToPath(new URL('./worker.js', import.meta.url));
  return existsSync(path) ? path : null;
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
): Promise<RunResult[]> {
  const script = workerScript();
  if (script === null) throw new CliError('compare --jobs: the worker script is not built');
  const results: (RunResult | undefined)[] = new Array(jobs.length);
  const errors: { name: string; message: string; exitCode: number }[] = [];
  let next = 0;
  const workers: Worker[] = [];
  const stopAll = (presses: number) => {
    for (const w of workers) w.postMessage({ type: 'interrupt', presses } satisfies ToWorker);
  };
  ctx.interrupt.onPress((presses) => stopAll(presses));
  ctx.interrupt.training = true;

  const runWorker = (worker: Worker) =>
    new Promise<void>((resolveRun) => {
      let done = false;
      const resolvePromise = () => {
        done = true;
        resolveRun();
      };
      const take = () => {
        if (next >= jobs.length || errors.length > 0 || ctx.interrupt.stopAfterEpoch) {
          resolvePromise();
          return;
        }
        const id = next++;
        const job = jobs[id]!;
        worker.postMessage({ type: 'run', id, ...job } satisfies ToWorker);
      };
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'out') ctx.stdout.write(m.text);
        else if (m.type === 'err') ctx.stderr.write(m.text);
        else if (m.type === 'result') {
          results[m.id] = m.result;
          take();
        } else if (m.type === 'error') {
          errors.push(m);
          if (m.name !== 'InterruptedError') stopAll(2);
          resolvePromise();
        }
      });
      worker.on('error', (error) => {
        errors.push({ name: error.name, message: error.message, exitCode: 1 });
        stopAll(2);
        resolvePromise();
      });
      // A worker that dies without an error event (killed, out of memory) must not hang the pool.
      worker.on('exit', (code) => {
        if (!done) {
          errors.push({
            name: 'Error',
            message: `a training worker exited with code ${code}`,
            exitCode: 1,
          });
          stopAll(2);
          resolvePromise();
        }
      });
      take();
    });

  try {
    for (let i = 0; i < Math.min(size, jobs.length); i++)
      workers.push(new Worker(script, { workerData: init }));
    await Promise.all(workers.map(runWorker));
  } finally {
    ctx.interrupt.training = false;
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const failure = errors.find((e) => e.name !== 'InterruptedError') ?? errors[0];
  if (failure !== undefined) {
    if (failure.name === 'InterruptedError') {
      throw new InterruptedError(errors.map((e) => e.message).join('; '));
    }
    throw new CliError(failure.message, failure.exitCode);
  }
  if (ctx.interrupt.stopAfterEpoch && results.some((r) => r === undefined)) {
    throw new InterruptedError('interrupted between runs; run the same command again to go on');
  }
  return results as RunResult[];
}
