// `sevar sweep status`: one line per run of a sweep (state, progress, attempts) and the counts.
import type { Context } from '../context.js';
import { runLabel } from './jobs.js';
import { withQueues } from './queues.js';
import type { QueueTarget } from './queue-url.js';
import { findSweep, runStates } from './sweeps.js';
import type { RunState } from './sweeps.js';

export interface StatusOptions {
  target: QueueTarget;
  sweep?: string;
}

export interface SweepStatus {
  sweepId: string;
  /** Runs per state (`waiting` includes delayed and prioritized ones). */
  counts: Record<string, number>;
  runs: { label: string; id: string; state: string; detail: string }[];
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function progressText(p: unknown): string {
  if (typeof p !== 'object' || p === null) return '';
  const o = p as Record<string, number | null>;
  if (typeof o['epoch'] !== 'number') return '';
  const test = typeof o['testTop1'] === 'number' ? ` test top-1 ${pct(o['testTop1'])}` : '';
  return (
    `epoch ${o['epoch']}/${o['epochs']} loss ${Number(o['loss']).toFixed(4)} top-1 ` +
    `${pct(Number(o['top1']))}${test} ${Number(o['imagesPerSecond']).toFixed(0)} img/s`
  );
}

function detailOf(s: RunState): string {
  const job = s.job;
  if (job === undefined) return 'not in the queue (removed?)';
  const tries = `attempt ${job.attemptsMade + (s.state === 'failed' ? 0 : 1)} of ${job.opts.attempts ?? 1}`;
  switch (s.state) {
    case 'completed':
      return s.value === null
        ? 'no result in the job'
        : `test top-1 ${pct(s.value.result.test.top1)} loss ${s.value.result.test.loss.toFixed(4)} (${s.value.worker}${s.value.trained ? '' : ', reused'})`;
    case 'failed':
      return `${job.failedReason} (${tries})`;
    case 'active':
      return `${progressText(job.progress) || 'starting'} (${tries})`;
    case 'delayed':
      return `retry after a failure: ${job.failedReason} (${tries})`;
    default:
      return progressText(job.progress);
  }
}

function stateName(state: string): string {
  return state === 'delayed' || state === 'prioritized' ? 'waiting' : state;
}

/** Prints the sweep's runs as a table and resolves to what it printed. */
export async function sweepStatus(options: StatusOptions, ctx: Context): Promise<SweepStatus> {
  const warn = (m: string) => ctx.stderr.write(`warning: ${m}\n`);
  return withQueues(options.target, warn, async (queues) => {
    const sweep = await findSweep(queues, options.target.display, options.sweep);
    const states = await runStates(queues, sweep);
    const runs = states.map((s) => ({
      label: runLabel(s.run.spec),
      id: s.run.id,
      state: s.state === 'delayed' ? 'retrying' : s.state,
      detail: detailOf(s),
    }));
    const counts: Record<string, number> = { waiting: 0, active: 0, completed: 0, failed: 0 };
    for (const s of states) counts[stateName(s.state)] = (counts[stateName(s.state)] ?? 0) + 1;
    const width = Math.max(3, ...runs.map((r) => r.label.length));
    const stateWidth = Math.max(5, ...runs.map((r) => r.state.length));
    ctx.stdout.write(
      `sweep ${sweep.id}: ${sweep.data.title} (submitted ${sweep.data.createdAt})\n` +
        `${'run'.padEnd(width)}  ${'state'.padEnd(stateWidth)}  details\n` +
        runs
          .map((r) =>
            `${r.label.padEnd(width)}  ${r.state.padEnd(stateWidth)}  ${r.detail}`.trimEnd(),
          )
          .join('\n') +
        `\n${states.length} runs: ${Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}\n`,
    );
    return { sweepId: sweep.id, counts, runs };
  });
}
