// What `sevar worker` tells its sandboxed processors (child processes) through one environment
// variable: machine-side settings only, never anything taken from the queue.
import type { BackendName } from '@sevar/trainer';

export const WORKER_CONFIG_ENV = 'SEVAR_SWEEP_WORKER';

export interface WorkerConfig {
  /** The shared store: `runs/<job id>/` holds each run's files. */
  store: string;
  backend: BackendName;
  dataDir?: string;
  download: boolean;
  verify: boolean;
  /** This worker's name in results and logs. */
  name: string;
  /** Modules of `sevar --import` (absolute file URLs or package names), loaded by each child. */
  imports: string[];
}

export function readWorkerConfig(env = process.env): WorkerConfig {
  const text = env[WORKER_CONFIG_ENV];
  if (text === undefined)
    throw new Error(`${WORKER_CONFIG_ENV} is not set: start runs with \`sevar worker\``);
  return JSON.parse(text) as WorkerConfig;
}

/** Abort reason the worker gives its runs when it stops (any other reason: the lock was lost). */
export const STOP_REASON = 'sevar worker stopping';
