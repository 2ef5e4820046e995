// `sevar worker`: takes run jobs off the queue and trains them in sandboxed child processes, each
// run's files in the shared store; also completes the sweeps' parent jobs once their runs end.
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { BackendName } from '@sevar/trainer';
import type { Context } from '../context.js';
import { InterruptedError } from '../errors.js';
import { importedModules } from '../imports.js';
import type { DataSettings } from '../settings/training.js';
import { bullConnection } from './connection.js';
import {
  checkRunJob,
  checkRunJobResult,
  QUEUE_PREFIX,
  RUNS_QUEUE,
  runLabel,
  SWEEPS_QUEUE,
} from './jobs.js';
import { openQueues } from './queues.js';
import type { SweepQueues } from './queues.js';
import { QUEUE_ENV, scrub } from './queue-url.js';
import type { QueueTarget } from './queue-url.js';
import { STOP_REASON, WORKER_CONFIG_ENV } from './worker-config.js';
import type { WorkerConfig } from './worker-config.js';

export interface WorkerOptions {
  target: QueueTarget;
  store: string;
  /** Runs trained at once (one child process each). */
  concurrency: number;
  /** Exit once the queue holds nothing waiting, delayed or active. */
  untilIdle: boolean;
  backend: BackendName;
  data: DataSettings;
  /** A job whose worker stops renewing its lock this long is handed to another worker. */
  lockSeconds: number;
  name?: string;
}

export interface WorkerSummary {
  completed: number;
  failed: number;
}

const IDLE_POLL_MS = 500;

function labelOf(job: Job | undefined): string {
  if (job === undefined) return 'a job';
  try {
    return runLabel(checkRunJob(String(job.id), job.data));
  } catch {
    return `job ${String(job.id).slice(0, 40)}`;
  }
}

/** Nothing waiting, delayed or running in either queue (failed and finished jobs aside). */
async function queuesIdle(queues: SweepQueues): Promise<boolean> {
  const types = ['waiting', 'active', 'delayed', 'prioritized'] as const;
  const [runs, sweeps] = await Promise.all([
    queues.runs.getJobCounts(...types, 'waiting-children'),
    queues.sweeps.getJobCounts(...types),
  ]);
  return [...Object.values(runs), ...Object.values(sweeps)].every((n) => n === 0);
}

function childEnv(config: WorkerConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(config) };
  delete env[QUEUE_ENV]; // the children never talk to the queue
  return env;
}

function createWorkers(options: WorkerOptions, config: WorkerConfig) {
  const connection = bullConnection(options.target, true);
  const lockDuration = options.lockSeconds * 1000;
  const common = { connection, prefix: QUEUE_PREFIX, name: config.name, autorun: false };
  const runs = new Worker(RUNS_QUEUE, new URL('./processor.js', import.meta.url), {
    ...common,
    concurrency: options.concurrency,
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 3,
    workerForkOptions: { env: childEnv(config) },
  });
  const sweeps = new Worker(
    SWEEPS_QUEUE,
    async (job: Job) => {
      const values = await job.getChildrenValues();
      const failed = await job.getIgnoredChildrenFailures();
      return { completed: Object.keys(values).length, failed: Object.keys(failed).length };
    },
    { ...common, concurrency: 1, lockDuration, stalledInterval: lockDuration },
  );
  return { runs, sweeps };
}

function listen(workers: ReturnType<typeof createWorkers>, options: WorkerOptions, ctx: Context) {
  const summary: WorkerSummary = { completed: 0, failed: 0 };
  const say = (m: string) => ctx.stderr.write(`${m}\n`);
  const seen = new Set<string>();
  const onError = (error: Error) => {
    const m = scrub(error.message, options.target);
    if (!seen.has(m)) say(`warning: queue ${options.target.display}: ${m}`);
    seen.add(m);
  };
  const { runs, sweeps } = workers;
  runs.on('error', onError);
  sweeps.on('error', onError);
  runs.on('active', (job) =>
    say(`${labelOf(job)}: started (job ${job.id}, attempt ${job.attemptsMade + 1})`),
  );
  runs.on('completed', (job, value) => {
    summary.completed++;
    const r = checkRunJobResult(value);
    say(
      `${labelOf(job)}: ${r?.trained === false ? 'finished earlier (store), reused' : 'done'} (job ${job.id})`,
    );
  });
  runs.on('failed', (job, error) => {
    if (error.name === 'WaitingError') return say(`${labelOf(job)}: stopped; back in the queue`);
    summary.failed++;
    const tries =
      job === undefined ? '' : ` (attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1})`;
    say(`${labelOf(job)}: failed${tries}: ${scrub(error.message, options.target)}`);
  });
  runs.on('stalled', (id) => say(`job ${id}: its worker stopped answering; back in the queue`));
  // Another worker may take the job over: stop training it here.
  runs.on('lockRenewalFailed', (ids) => {
    for (const id of ids) runs.cancelJob(id, 'lock lost');
  });
  return summary;
}

async function untilIdle(queues: SweepQueues, stopped: () => boolean): Promise<void> {
  let idleTimes = 0;
  while (!stopped() && idleTimes < 2) {
    await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
    idleTimes = (await queuesIdle(queues)) ? idleTimes + 1 : 0;
  }
}

/** Runs the worker until it is idle (`untilIdle`) or interrupted; resolves to what it did. */
export async function runWorker(options: WorkerOptions, ctx: Context): Promise<WorkerSummary> {
  // Opened first: an unreachable queue or a refused password is one error line.
  const queues = await openQueues(options.target, (m) => ctx.stderr.write(`warning: ${m}\n`), true);
  const store = resolve(options.store);
  await mkdir(join(store, 'runs'), { recursive: true });
  const config: WorkerConfig = {
    store,
    backend: options.backend,
    download: options.data.download,
    verify: options.data.verify,
    name: options.name ?? `${hostname()}-${process.pid}`,
    imports: [...importedModules()],
    ...(options.data.dataDir === undefined ? {} : { dataDir: resolve(options.data.dataDir) }),
  };
  const workers = createWorkers(options, config);
  const summary = listen(workers, options, ctx);
  let stopping = false;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((r) => (wake = r));
  const stopListening = ctx.interrupt.onPress(() => {
    if (stopping) return;
    stopping = true;
    ctx.stderr.write(
      'sevar worker: stopping; runs in progress stop after their epoch and go back to the queue\n',
    );
    workers.runs.cancelAllJobs(STOP_REASON);
    wake();
  });
  ctx.interrupt.training = true;
  ctx.stderr.write(
    `sevar worker ${config.name}: queue ${options.target.display}, store ${store}, ` +
      `${options.concurrency} run(s) at once, backend ${options.backend}${options.untilIdle ? ', until idle' : ''}\n`,
  );
  const running = [workers.runs.run(), workers.sweeps.run()];
  try {
    await (options.untilIdle
      ? Promise.race([untilIdle(queues, () => stopping), stopped])
      : stopped);
  } finally {
    stopListening();
    await Promise.all([workers.runs.close(), workers.sweeps.close()]);
    await Promise.allSettled(running);
    await queues.close();
    ctx.interrupt.training = false;
  }
  ctx.stderr.write(
    `sevar worker ${config.name}: ${summary.completed} run(s) done, ${summary.failed} failed\n`,
  );
  if (stopping) {
    throw new InterruptedError(
      "interrupted: the runs in progress went back to the queue after their epoch's " +
        'checkpoint; start a worker again to go on',
    );
  }
  return summary;
}
