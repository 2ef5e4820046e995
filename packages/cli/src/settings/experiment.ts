// The flags of the commands that train many runs (compare, reproduce): which attentions, how many
// seeds, how many runs at once.
import type { Command } from 'commander';
import type { AttentionName } from '@sevar/layers';
import { addAttentionListFlag, attentionListFromFlags } from './attention.js';
import type { AttentionFlags } from './attention.js';
import { integer } from './numbers.js';

/** Runs trained at once: a count, or `auto` (one per core where a run uses one core). */
export type Jobs = number | 'auto';

export interface ExperimentSettings {
  /** Attention choices to train, `none` first, in the paper's order. */
  attentions: AttentionName[];
  /** Runs per attention (error bars over seeds). */
  seeds: number;
  jobs: Jobs;
}

export interface ExperimentFlags extends AttentionFlags {
  seeds: number;
  jobs: Jobs;
}

function parseJobs(value: string): Jobs {
  return value === 'auto' ? 'auto' : integer(1, 64)(value);
}

export function addExperimentFlags(cmd: Command, attentionHelp: string): Command {
  return addAttentionListFlag(cmd, attentionHelp)
    .option('--seeds <n>', 'runs per attention (error bars over seeds)', integer(1), 1)
    .option(
      '--jobs <n>',
      "runs trained at once on worker threads ('auto': one per core on wasm/cpu for images up to 64 px)",
      parseJobs,
      'auto',
    );
}

export function parseExperimentSettings(flags: ExperimentFlags): ExperimentSettings {
  return { attentions: attentionListFromFlags(flags), seeds: flags.seeds, jobs: flags.jobs };
}
