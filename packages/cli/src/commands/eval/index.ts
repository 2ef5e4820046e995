import { Option } from 'commander';
import type { Command } from 'commander';
import { integer } from '../../settings/numbers.js';
import {
  backendOption,
  dataDirOption,
  datasetOption,
  noVerifyOption,
} from '../../settings/options.js';
import type { CommandHost } from '../command.js';
import { evalCommand } from './eval.js';
import type { EvalCommandOptions } from './eval.js';

export { evalCommand } from './eval.js';
export type { EvalCommandOptions } from './eval.js';

/** What commander hands the action: the command's options without the positional path. */
type EvalFlags = Omit<EvalCommandOptions, 'path'>;

export function registerEval(program: Command, host: CommandHost): void {
  program
    .command('eval')
    .description('loss, top-1 and top-5 of a saved model on a dataset split')
    .argument('<model-dir>', 'folder with model.json, or a run folder written by train/compare')
    .addOption(datasetOption())
    .addOption(new Option('--split <name>', 'split').choices(['train', 'test']).default('test'))
    .option('--batch-size <n>', 'evaluation batch size', integer(1), 250)
    .option('--limit <n>', 'use only the first n images', integer(1))
    .addOption(backendOption())
    .addOption(dataDirOption())
    .option('--no-download', 'fail instead of downloading a missing dataset')
    .addOption(noVerifyOption())
    .action(async (path: string, flags: EvalFlags) => {
      await evalCommand({ path, ...flags }, host.withProgress());
    });
}
