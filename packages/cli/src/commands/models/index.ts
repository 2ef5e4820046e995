import { Option } from 'commander';
import type { Command } from 'commander';
import { MODEL_NAMES } from '@sevar/models';
import type { ModelName } from '@sevar/models';
import { addAttentionListFlag, attentionListFromFlags } from '../../settings/attention.js';
import type { AttentionFlags } from '../../settings/attention.js';
import { integer } from '../../settings/numbers.js';
import type { CommandHost } from '../command.js';
import { modelsCommand } from './models.js';

export { modelsCommand } from './models.js';
export type { ModelRow, ModelsOptions } from './models.js';

type ModelsFlags = AttentionFlags & { model?: ModelName | 'all'; classes: number; json?: boolean };

export function registerModels(program: Command, host: CommandHost): void {
  const cmd = program
    .command('models')
    .description(
      'the model zoo with parameters and multiply-accumulates per image, per attention choice',
    )
    .addOption(
      new Option(
        '--model <name>',
        "one model, or 'all' (default: the paper's cnn3 and resnet18)",
      ).choices([...MODEL_NAMES, 'all']),
    );
  addAttentionListFlag(cmd, "'all' or a comma list of attentions (none is always added)")
    .option('--classes <n>', 'number of classes', integer(2), 10)
    .option('--json', 'JSON output')
    .action(async (flags: ModelsFlags) => {
      const models: ModelName[] =
        flags.model === undefined
          ? ['cnn3', 'resnet18']
          : flags.model === 'all'
            ? [...MODEL_NAMES]
            : [flags.model];
      await modelsCommand(
        {
          models,
          attentions: attentionListFromFlags(flags),
          classes: flags.classes,
          json: flags.json === true,
        },
        host.ctx,
      );
    });
}
