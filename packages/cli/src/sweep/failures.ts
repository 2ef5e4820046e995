// How a run's error leaves the sandboxed processor: BullMQ reads only the error's own
// properties, by name. Deterministic failures (settings a model or optimizer refuses, a
// non-finite loss, job data that is not a sweep run) are `UnrecoverableError`s: the job fails
// at once with the typed error's message. Anything else (a crash, a full disk, a lost download)
// keeps its name and is retried with backoff.
import { NonFiniteLossError, InvalidOptionError } from '@sevar/trainer';
import { SevarModelsError } from '@sevar/models';
import { SevarLayersError } from '@sevar/layers';
import { DatasetOptionError } from '@sevar/datasets';
import { CliError, InterruptedError, UsageError } from '../errors.js';
import { RunSettingsError } from '../engine/run-files.js';
import { cliText } from '../library-flags.js';
import { SweepJobDataError } from './errors.js';

const DETERMINISTIC = [
  NonFiniteLossError,
  InvalidOptionError,
  SevarModelsError,
  SevarLayersError,
  DatasetOptionError,
  UsageError,
  RunSettingsError,
  SweepJobDataError,
] as const;

/** The errors of `error`'s cause chain, outermost first. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && out.length < 10; e = (e as Error).cause) {
    out.push(e);
  }
  return out;
}

/** True when trying the run again cannot end otherwise. */
export function isDeterministic(error: unknown): boolean {
  return chain(error).some(
    (e) => DETERMINISTIC.some((k) => e instanceof k) || (e instanceof CliError && e.exitCode === 2),
  );
}

/**
 * The error a job fails with. `lockLost`: the worker lost the job's lock (another worker may run
 * it now); the stop that follows is not a failure of the run.
 */
export function jobFailure(error: unknown, lockLost: boolean): Error {
  const out = new Error(cliText(error));
  if (error instanceof InterruptedError && !lockLost) {
    out.name = 'WaitingError'; // moved back to wait: BullMQ neither fails nor retries it
  } else if (isDeterministic(error)) {
    out.name = 'UnrecoverableError';
  } else {
    out.name = (error as Error)?.name ?? 'Error';
  }
  out.stack = `${out.name}: ${out.message}\n${String((error as Error)?.stack ?? '')
    .split('\n')
    .slice(1)
    .join('\n')}`;
  return out;
}
