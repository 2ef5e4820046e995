import type { Command } from 'commander';
import { DATASET_NAMES } from '@sevar/datasets';
import type { DatasetName } from '@sevar/datasets';
import { ATTENTION_NAMES } from '@sevar/layers';
import { MODEL_NAMES } from '@sevar/models';
import type { ModelName } from '@sevar/models';
import { UsageError } from '../../errors.js';
import { addAttentionListFlag, attentionListFromFlags } from '../../settings/attention.js';
import type { AttentionFlags } from '../../settings/attention.js';
import { integer } from '../../settings/numbers.js';
import { addRecipeFlags, protocolOption } from '../../settings/training.js';
import type { RecipeFlags } from '../../settings/training.js';
import { collectSweep } from '../../sweep/collect.js';
import { planSweep } from '../../sweep/plan.js';
import { parseQueueUrl, QUEUE_ENV } from '../../sweep/queue-url.js';
import { sweepStatus } from '../../sweep/status.js';
import { submitSweep } from '../../sweep/submit.js';
import type { CommandHost } from '../command.js';

type SubmitFlags = RecipeFlags &
  AttentionFlags & {
    queue?: string;
    models: string;
    datasets: string;
    seeds: number;
    seed: number;
    attempts: number;
    backoff: number;
    title?: string;
  };

export const QUEUE_HELP = `queue: redis://[user:password@]host:port/db, rediss:// for TLS (default: $${QUEUE_ENV})`;

/** A comma list of names from `choices`, in the order given, without repeats. */
function nameList<T extends string>(value: string, choices: readonly T[], flag: string): T[] {
  const names = [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  const bad = names.find((n) => !(choices as readonly string[]).includes(n));
  if (names.length === 0 || bad !== undefined) {
    throw new UsageError(flag, `a comma list of ${choices.join(', ')}`, bad ?? value);
  }
  return names as T[];
}

const SUBMIT_HELP = `
Every run is one \`sevar compare\` run (model x dataset x attention x seed, with compare's recipe
for the model and dataset and the recipe flags given here). Job ids are hashes of the settings:
submitting the same sweep again adds nothing, and a run already in the queue is never trained
twice. Prints the sweep's id on stdout. Workers: \`sevar worker\` on each machine.`;

function registerSubmit(sweep: Command, host: CommandHost): void {
  const cmd = sweep
    .command('submit')
    .description('enqueue one job per run of a grid of models, datasets, attentions and seeds')
    .option('--queue <url>', QUEUE_HELP)
    .option('--models <list>', `comma list of ${MODEL_NAMES.join(', ')}`, 'cnn3')
    .option('--datasets <list>', `comma list of ${DATASET_NAMES.join(', ')}`, 'embedded');
  addAttentionListFlag(
    cmd,
    `'all' or a comma list of ${ATTENTION_NAMES.join(', ')} (none is always added)`,
  )
    .option('--seeds <n>', 'runs per attention (seeds --seed, --seed + 1, ...)', integer(1), 1)
    .option('--seed <n>', 'first seed', integer(0), 1)
    .addOption(protocolOption());
  addRecipeFlags(cmd)
    .option(
      '--attempts <n>',
      'tries per run: crashes are retried, bad settings and non-finite losses are not',
      integer(1, 100),
      3,
    )
    .option(
      '--backoff <seconds>',
      'delay before the first retry, doubled for each further one',
      integer(0),
      30,
    )
    .option('--title <text>', 'heading of the collected reports')
    .addHelpText('after', SUBMIT_HELP)
    .action(async (flags: SubmitFlags) => {
      const target = parseQueueUrl(flags.queue);
      const models = nameList<ModelName>(flags.models, MODEL_NAMES, '--models');
      const datasets = nameList<DatasetName>(flags.datasets, DATASET_NAMES, '--datasets');
      const attentions = attentionListFromFlags(flags);
      const seeds = Array.from({ length: flags.seeds }, (_, k) => flags.seed + k);
      const runs = await planSweep({ models, datasets, attentions, seeds }, flags);
      await submitSweep(
        {
          target,
          runs,
          title: flags.title ?? `SE variants: ${models.join(', ')} on ${datasets.join(', ')}`,
          protocol: flags.protocol,
          attempts: flags.attempts,
          backoffSeconds: flags.backoff,
        },
        host.ctx,
      );
    });
}

function registerStatus(sweep: Command, host: CommandHost): void {
  sweep
    .command('status')
    .description(
      "one line per run of a sweep: waiting, active (with its epoch's progress), completed or failed",
    )
    .option('--queue <url>', QUEUE_HELP)
    .option('--sweep <id>', 'the sweep (default: the newest one)')
    .action(async (flags: { queue?: string; sweep?: string }) => {
      await sweepStatus({ target: parseQueueUrl(flags.queue), sweep: flags.sweep }, host.ctx);
    });
}

function registerCollect(sweep: Command, host: CommandHost): void {
  sweep
    .command('collect')
    .description(
      "write the finished runs' results folder (results.json, tables, plots, report.html), as `sevar compare` does",
    )
    .option('--queue <url>', QUEUE_HELP)
    .option('--sweep <id>', 'the sweep (default: the newest one)')
    .option(
      '--out <dir>',
      'results folder; one subfolder <model>-<dataset> each when the sweep has several',
      'sevar-results/sweep',
    )
    .option(
      '--store <dir>',
      "the workers' store: copy each run's files (settings, log, result, model) into runs/",
    )
    .action(async (flags: { queue?: string; sweep?: string; out: string; store?: string }) => {
      if (flags.out.trim() === '') throw new UsageError('--out', 'a folder path', flags.out);
      const target = parseQueueUrl(flags.queue);
      await collectSweep(
        { target, sweep: flags.sweep, out: flags.out, store: flags.store },
        host.ctx,
      );
    });
}

export function registerSweep(program: Command, host: CommandHost): void {
  const sweep = program
    .command('sweep')
    .description(
      'spread a grid of compare runs over several machines through a Redis queue (BullMQ)',
    );
  registerSubmit(sweep, host);
  registerStatus(sweep, host);
  registerCollect(sweep, host);
}

export { collectSweep } from '../../sweep/collect.js';
export { submitSweep } from '../../sweep/submit.js';
export { sweepStatus } from '../../sweep/status.js';
