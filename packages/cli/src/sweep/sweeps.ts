// Reading a sweep back from the queue: its parent job (the newest one unless an id is given) and
// the state of each of its runs.
import type { Job, JobState } from 'bullmq';
import { UsageError } from '../errors.js';
import { SweepNotFoundError } from './errors.js';
import { checkRunJobResult, checkSweepData } from './jobs.js';
import type { RunJobResult, SweepJobData, SweepRun } from './jobs.js';
import type { SweepQueues } from './queues.js';
import { jobsById } from './queues.js';

export const SWEEP_ID_PATTERN = /^sweep-[0-9a-f]{32}$/;

export interface FoundSweep {
  id: string;
  data: SweepJobData;
}

export interface RunState {
  run: SweepRun;
  /** BullMQ's state, or `missing` when the job was removed from the queue. */
  state: JobState | 'unknown' | 'missing';
  job: Job | undefined;
  /** The job's return value, when it completed and holds a run result. */
  value: RunJobResult | null;
}

async function sweepOf(job: Job | undefined): Promise<FoundSweep | null> {
  const data = job === undefined ? null : checkSweepData(job.data);
  return job === undefined || data === null ? null : { id: String(job.id), data };
}

/** The sweep `id`, or the newest sweep of the queue. */
export async function findSweep(
  queues: SweepQueues,
  display: string,
  id: string | undefined,
): Promise<FoundSweep> {
  if (id !== undefined) {
    if (!SWEEP_ID_PATTERN.test(id)) {
      throw new UsageError(
        '--sweep',
        'a sweep id as `sevar sweep submit` prints it (sweep-<32 hex digits>)',
        id,
      );
    }
    const found = await sweepOf((await queues.sweeps.getJob(id)) as Job | undefined);
    if (found === null) throw new SweepNotFoundError(display, id);
    return found;
  }
  const all = (await queues.sweeps.getJobs(
    ['completed', 'failed', 'waiting-children', 'waiting', 'active', 'delayed', 'prioritized'],
    0,
    -1,
  )) as Job[];
  const newest = all.sort((a, b) => b.timestamp - a.timestamp)[0];
  const found = await sweepOf(newest);
  if (found === null) throw new SweepNotFoundError(display, undefined);
  return found;
}

/** The state of every run of `sweep`, in the sweep's order. */
export async function runStates(queues: SweepQueues, sweep: FoundSweep): Promise<RunState[]> {
  const jobs = await jobsById(
    queues.runs,
    sweep.data.runs.map((r) => r.id),
  );
  return Promise.all(
    sweep.data.runs.map(async (run, i) => {
      const job = jobs[i];
      if (job === undefined) return { run, job, state: 'missing' as const, value: null };
      const state = await job.getState();
      const value = state === 'completed' ? checkRunJobResult(job.returnvalue) : null;
      return { run, job, state, value };
    }),
  );
}
