// `sevar sweep submit`: one BullMQ flow per sweep, a parent job in `sweeps` whose children are the
// sweep's runs in `runs`. Job ids are hashes of the settings: a run already in the queue (queued,
// running, done or failed, by this sweep or another) is not added again.
import type { Context } from '../context.js';
import {
  RUN_DATA_SCHEMA,
  RUNS_QUEUE,
  SWEEP_DATA_SCHEMA,
  SWEEPS_QUEUE,
  sweepJobId,
} from './jobs.js';
import type { RunJobData, SweepJobData, SweepRun } from './jobs.js';
import { jobsById, openFlowProducer, withQueues } from './queues.js';
import type { QueueTarget } from './queue-url.js';
import type { ProtocolName } from '../engine/recipe.js';
import { QueueConnectionError } from './errors.js';
import { scrub } from './queue-url.js';

export interface SubmitOptions {
  target: QueueTarget;
  runs: SweepRun[];
  title: string;
  protocol: ProtocolName;
  /** Tries per run (crashes are retried; settings errors and non-finite losses are not). */
  attempts: number;
  /** First retry delay; each further one doubles it. */
  backoffSeconds: number;
}

export interface SubmitResult {
  sweepId: string;
  /** Runs added to the queue now. */
  added: number;
  /** Runs the queue already held. */
  existing: number;
  /** True when this sweep had been submitted before (nothing was added). */
  resubmitted: boolean;
}

function flowOf(options: SubmitOptions, sweepId: string, newRuns: SweepRun[]) {
  const data: SweepJobData = {
    schema: SWEEP_DATA_SCHEMA,
    title: options.title,
    protocol: options.protocol,
    createdAt: new Date().toISOString(),
    runs: options.runs,
  };
  return {
    name: 'sweep',
    queueName: SWEEPS_QUEUE,
    data,
    opts: { jobId: sweepId },
    children: newRuns.map((run) => ({
      name: 'run',
      queueName: RUNS_QUEUE,
      data: { schema: RUN_DATA_SCHEMA, spec: run.spec } satisfies RunJobData,
      opts: {
        jobId: run.id,
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffSeconds * 1000 },
        // The sweep completes once every run has ended, failed ones included.
        ignoreDependencyOnFailure: true,
      },
    })),
  };
}

/** Enqueues the sweep's new runs under its parent job; prints the sweep id on stdout. */
export async function submitSweep(options: SubmitOptions, ctx: Context): Promise<SubmitResult> {
  const { target, runs } = options;
  const warn = (m: string) => ctx.stderr.write(`warning: ${m}\n`);
  const sweepId = sweepJobId(runs.map((r) => r.id));
  const result = await withQueues(target, warn, async (queues) => {
    const [sweep] = await jobsById(queues.sweeps, [sweepId]);
    const existing = await jobsById(
      queues.runs,
      runs.map((r) => r.id),
    );
    const newRuns = runs.filter((_, i) => existing[i] === undefined);
    const counts = { sweepId, added: newRuns.length, existing: runs.length - newRuns.length };
    if (sweep !== undefined)
      return { ...counts, added: 0, existing: runs.length, resubmitted: true };
    const producer = openFlowProducer(target);
    try {
      await producer.add(flowOf(options, sweepId, newRuns));
    } catch (error) {
      throw new QueueConnectionError(target.display, scrub((error as Error).message, target));
    } finally {
      await producer.close();
    }
    return { ...counts, resubmitted: false };
  });
  ctx.stderr.write(
    result.resubmitted
      ? `sevar sweep: ${sweepId} was submitted before; nothing enqueued (${runs.length} runs)\n`
      : `sevar sweep: ${sweepId}: ${runs.length} runs, ${result.added} enqueued, ` +
          `${result.existing} already in the queue (queued, done or failed); queue ${target.display}\n`,
  );
  ctx.stdout.write(`${sweepId}\n`);
  return result;
}
