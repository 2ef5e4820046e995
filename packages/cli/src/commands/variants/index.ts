import type { Command } from 'commander';
import { integer } from '../../settings/numbers.js';
import type { CommandHost } from '../command.js';
import { variantsCommand } from './variants.js';

export { variantsCommand } from './variants.js';
export type { VariantRow, VariantsOptions } from './variants.js';

export function registerVariants(program: Command, host: CommandHost): void {
  program
    .command('variants')
    .description(
      'the SE variants: registry key, paper name, FC widths and parameters for C channels',
    )
    .option('--channels <n>', 'input channels C', integer(1), 64)
    .option('--reduction <n>', 'reduction r', integer(1), 16)
    .option('--json', 'JSON output')
    .action((flags: { channels: number; reduction: number; json?: boolean }) => {
      variantsCommand({ ...flags, json: flags.json === true }, host.ctx);
    });
}
