import type { Command } from 'commander';
import { integer } from '../../settings/numbers.js';
import type { CommandHost } from '../command.js';
import { variantsCommand } from './variants.js';

export { variantsCommand } from './variants.js';
export type { VariantRow, VariantsOptions } from './variants.js';

export function registerVariants(program: Command, host: CommandHost): void {
  program
    .command('variants')
    .alias('zoo')
    .description(
      'every attention module (the paper five, the zoo): key, name, kind and parameters for C channels',
    )
    .option('--channels <n>', 'input channels C', integer(1), 64)
    .option(
      '--reduction <n>',
      "reduction r, for the modules that take one (default: each module's)",
      integer(1),
    )
    .option('--json', 'JSON output')
    .action((flags: { channels: number; reduction?: number; json?: boolean }) => {
      variantsCommand(
        { channels: flags.channels, reduction: flags.reduction, json: flags.json === true },
        host.ctx,
      );
    });
}
