import type { Command } from 'commander';
import type { ModelName } from '@sevar/models';
import type { DatasetName } from '@sevar/datasets';
import { addAttentionFlag, attentionFromFlags } from '../../settings/attention.js';
import type { AttentionFlags } from '../../settings/attention.js';
import { integer } from '../../settings/numbers.js';
import { datasetOption, modelOption } from '../../settings/options.js';
import { addTrainingFlags, parseTrainingSettings } from '../../settings/training.js';
import type { TrainingFlags } from '../../settings/training.js';
import type { CommandHost } from '../command.js';
import { trainCommand } from './train.js';

export { trainCommand } from './train.js';
export type { TrainCommandOptions } from './train.js';

type TrainFlags = TrainingFlags &
  AttentionFlags & { model: ModelName; dataset: DatasetName; workers: number };

export function registerTrain(program: Command, host: CommandHost): void {
  const cmd = program
    .command('train')
    .description('train one model and save it (resumes an unfinished run in --out)')
    .addOption(modelOption())
    .addOption(datasetOption('embedded'));
  addAttentionFlag(cmd, 'se')
    .option(
      '--out <dir>',
      'run folder (default: sevar-results/train-<model>-<attention>-<dataset>)',
    )
    .option(
      '--workers <n>',
      'split every batch over n worker threads, each with its own backend (data-parallel; ' +
        'wasm in Node uses one core per worker)',
      integer(1),
      1,
    );
  addTrainingFlags(cmd).action(async (flags: TrainFlags) => {
    const attention = attentionFromFlags(flags, 'se');
    const settings = parseTrainingSettings(flags, {
      model: flags.model,
      dataset: flags.dataset,
      defaultOut: `sevar-results/train-${flags.model}-${attention}-${flags.dataset}`,
    });
    await trainCommand({ ...settings, attention, workers: flags.workers }, host.withProgress());
  });
}
