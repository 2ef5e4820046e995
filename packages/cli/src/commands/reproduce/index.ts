import { Option } from 'commander';
import type { Command } from 'commander';
import { PAPER_TABLES, TABLE_NAMES } from '../../paper.js';
import type { TableName } from '../../paper.js';
import { addExperimentFlags, parseExperimentSettings } from '../../settings/experiment.js';
import type { ExperimentFlags } from '../../settings/experiment.js';
import { addTrainingFlags, parseTrainingSettings } from '../../settings/training.js';
import type { TrainingFlags } from '../../settings/training.js';
import type { CommandHost } from '../command.js';
import { reproduce } from './reproduce.js';

export { reproduce } from './reproduce.js';
export type { ReproduceOptions } from './reproduce.js';

const HELP = `
Protocols (every value can be changed with the flags above):
  cnn3-cifar10, paper:  batch 64, Adadelta lr 1, lr x0.7 after every epoch, 50 epochs, no augmentation
  resnet18-*, paper:    ImageNet stem at 224 px, RandomResizedCrop (no flip on SVHN), test resize 256 +
                        centre crop 224, batch 32; the paper gives no optimizer or epochs: we use SGD
                        lr 0.01 momentum 0.9 weight decay 5e-4, cosine, 30 epochs
  resnet18-*, cifar-standard: CIFAR stem at 32 px, crop + flip (crop only on SVHN), batch 128,
                        SGD lr 0.1 momentum 0.9 weight decay 5e-4, cosine, 200 epochs
Each run writes a checkpoint every epoch; the same command again skips finished runs and resumes.`;

export function registerReproduce(program: Command, host: CommandHost): void {
  const cmd = program
    .command('reproduce')
    .description("train every attention with the protocol of one of the paper's tables (resumable)")
    .addOption(
      new Option('--table <name>', 'paper table').choices(TABLE_NAMES).makeOptionMandatory(),
    );
  addExperimentFlags(cmd, "'all' or a comma list of attentions (none is always added)").option(
    '--out <dir>',
    'results folder (default: sevar-results/reproduce-<table>-<protocol>)',
  );
  addTrainingFlags(cmd).addHelpText('after', HELP);
  cmd.action(async (flags: TrainingFlags & ExperimentFlags & { table: TableName }) => {
    const table = PAPER_TABLES[flags.table];
    const settings = parseTrainingSettings(flags, {
      model: table.model,
      dataset: table.dataset,
      defaultOut: `sevar-results/reproduce-${flags.table}-${flags.protocol}`,
    });
    await reproduce(
      { ...settings, ...parseExperimentSettings(flags), table: flags.table },
      host.withProgress(),
    );
  });
}
