// Opening and closing the BullMQ objects of a sweep's queues on one Redis.
import { FlowProducer, Queue } from 'bullmq';
import type { Job } from 'bullmq';
import { bullConnection, checkQueue } from './connection.js';
import { QUEUE_PREFIX, RUNS_QUEUE, SWEEPS_QUEUE } from './jobs.js';
import type { QueueTarget } from './queue-url.js';
import { scrub } from './queue-url.js';

export interface SweepQueues {
  runs: Queue;
  sweeps: Queue;
  close(): Promise<void>;
}

/**
 * Checks the queue (one clear error when it cannot be used), then opens the runs and sweeps
 * queues. Connection errors after that are reported once each through `warn`, scrubbed.
 */
export async function openQueues(
  target: QueueTarget,
  warn: (message: string) => void,
  persistent = false,
): Promise<SweepQueues> {
  await checkQueue(target);
  const connection = bullConnection(target, persistent);
  const seen = new Set<string>();
  const onError = (error: Error) => {
    const m = scrub(error.message, target);
    if (!seen.has(m)) warn(`queue ${target.display}: ${m}`);
    seen.add(m);
  };
  const open = (name: string) => {
    const q = new Queue(name, { connection, prefix: QUEUE_PREFIX });
    q.on('error', onError);
    return q;
  };
  const runs = open(RUNS_QUEUE);
  const sweeps = open(SWEEPS_QUEUE);
  return {
    runs,
    sweeps,
    close: async () => {
      await Promise.all([runs.close(), sweeps.close()]);
    },
  };
}

/** A flow producer on the same Redis (closed by the caller). */
export function openFlowProducer(target: QueueTarget): FlowProducer {
  const producer = new FlowProducer({
    connection: bullConnection(target, false),
    prefix: QUEUE_PREFIX,
  });
  producer.on('error', () => {}); // the add call rejects with the same error
  return producer;
}

/** Runs `fn` with the queues open, closing them however it ends. */
export async function withQueues<T>(
  target: QueueTarget,
  warn: (message: string) => void,
  fn: (queues: SweepQueues) => Promise<T>,
): Promise<T> {
  const queues = await openQueues(target, warn);
  try {
    return await fn(queues);
  } finally {
    await queues.close();
  }
}

/** The jobs of `ids` in `queue` (undefined where none), fetched side by side. */
export async function jobsById(queue: Queue, ids: readonly string[]): Promise<(Job | undefined)[]> {
  return Promise.all(ids.map((id) => queue.getJob(id) as Promise<Job | undefined>));
}
