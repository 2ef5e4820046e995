// What a sweep puts in the queue: one job per run, whose id is a hash of the run's settings, and
// one parent job per sweep that lists its runs. The worker re-checks every run job against this
// schema (and its id against its settings) before anything of it reaches the file system.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ProtocolName } from '../engine/recipe.js';
import type { RunResult, RunSpec } from '../engine/run-files.js';
import { runName } from '../engine/run-files.js';
import { checkRunResult, checkRunSpec } from '../engine/run-schema.js';
import { SweepJobDataError } from './errors.js';

/** BullMQ key prefix and queue names: `sevar:runs:*`, `sevar:sweeps:*`. */
export const QUEUE_PREFIX = 'sevar';
export const RUNS_QUEUE = 'runs';
export const SWEEPS_QUEUE = 'sweeps';

export const RUN_DATA_SCHEMA = 'sevar-sweep-run-1';
export const SWEEP_DATA_SCHEMA = 'sevar-sweep-1';

/** A run job's id: `run-` and 32 hex digits. Store paths are built from ids of this form only. */
export const RUN_ID_PATTERN = /^run-[0-9a-f]{32}$/;

/** The data of a run job. */
export interface RunJobData {
  schema: typeof RUN_DATA_SCHEMA;
  spec: RunSpec;
}

/** One run as its sweep lists it. */
export interface SweepRun {
  id: string;
  spec: RunSpec;
}

/** The data of a sweep's parent job. */
export interface SweepJobData {
  schema: typeof SWEEP_DATA_SCHEMA;
  title: string;
  protocol: ProtocolName;
  createdAt: string;
  runs: SweepRun[];
}

/** What a run job returns: its result and how it got it. */
export interface RunJobResult {
  result: RunResult;
  /** The worker that finished it (`--name`, default host and pid). */
  worker: string;
  /** False when the store already held the finished run (nothing was trained). */
  trained: boolean;
  /** Epochs the run had completed when this attempt took it over, or null (a fresh start). */
  resumedFromEpoch: number | null;
}

/** JSON with object keys sorted and undefined values left out: the same settings, the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The job id of a run: a hash of everything that decides how it trains. */
export function runJobId(spec: RunSpec): string {
  return `run-${hash(canonical({ recipe: spec.recipe, attention: spec.attention, seed: spec.seed }))}`;
}

/** The id of a sweep: a hash of its runs' ids, so the same grid is the same sweep. */
export function sweepJobId(runIds: readonly string[]): string {
  return `sweep-${hash([...runIds].sort().join('\n'))}`;
}

/** The folder of a run in the store: from its (checked) job id, never from job data. */
export function storeRunDir(store: string, jobId: string): string {
  if (!RUN_ID_PATTERN.test(jobId))
    throw new SweepJobDataError(jobId, 'a job id not of the form run-<32 hex digits>');
  return join(store, 'runs', jobId);
}

/** A short label of a run: `cnn3/embedded/se-seed1`. */
export function runLabel(spec: RunSpec): string {
  return `${spec.recipe.model}/${spec.recipe.dataset}/${runName(spec)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The run spec of a run job, checked: the data has exactly the schema's fields, the spec passes
 * the run-file validation, and hashing it gives the job's id. Throws `SweepJobDataError`.
 */
export function checkRunJob(jobId: string, data: unknown): RunSpec {
  if (!RUN_ID_PATTERN.test(jobId))
    throw new SweepJobDataError(jobId, 'a job id not of the form run-<32 hex digits>');
  if (!isObject(data) || data['schema'] !== RUN_DATA_SCHEMA) {
    throw new SweepJobDataError(jobId, `data without schema '${RUN_DATA_SCHEMA}'`);
  }
  const extra = Object.keys(data).filter((k) => k !== 'schema' && k !== 'spec');
  if (extra.length > 0)
    throw new SweepJobDataError(jobId, `unexpected fields ${extra.slice(0, 3).join(', ')}`);
  const spec = checkRunSpec(data['spec']);
  if (typeof spec === 'string') throw new SweepJobDataError(jobId, `a spec with ${spec}`);
  const extraSpec = Object.keys(data['spec'] as object).filter(
    (k) => !['recipe', 'attention', 'seed'].includes(k),
  );
  if (extraSpec.length > 0)
    throw new SweepJobDataError(
      jobId,
      `a spec with unexpected fields ${extraSpec.slice(0, 3).join(', ')}`,
    );
  if (runJobId(spec) !== jobId)
    throw new SweepJobDataError(jobId, 'settings whose hash is not the job id');
  return spec;
}

/** A run job's return value, checked (a result read back from the queue); null when malformed. */
export function checkRunJobResult(value: unknown): RunJobResult | null {
  if (!isObject(value)) return null;
  const result = checkRunResult(value['result']);
  if (typeof result === 'string') return null;
  return {
    result,
    worker: typeof value['worker'] === 'string' ? value['worker'] : '?',
    trained: value['trained'] === true,
    resumedFromEpoch:
      typeof value['resumedFromEpoch'] === 'number' ? value['resumedFromEpoch'] : null,
  };
}

/** A sweep's parent-job data, checked; null when it is not one. */
export function checkSweepData(value: unknown): SweepJobData | null {
  if (!isObject(value) || value['schema'] !== SWEEP_DATA_SCHEMA || !Array.isArray(value['runs']))
    return null;
  const runs: SweepRun[] = [];
  for (const r of value['runs'] as unknown[]) {
    if (!isObject(r) || typeof r['id'] !== 'string' || !RUN_ID_PATTERN.test(r['id'])) return null;
    const spec = checkRunSpec(r['spec']);
    if (typeof spec === 'string') return null;
    runs.push({ id: r['id'], spec });
  }
  return {
    schema: SWEEP_DATA_SCHEMA,
    title: typeof value['title'] === 'string' ? value['title'] : 'sweep',
    protocol: value['protocol'] === 'cifar-standard' ? 'cifar-standard' : 'paper',
    createdAt: typeof value['createdAt'] === 'string' ? value['createdAt'] : '',
    runs,
  };
}
