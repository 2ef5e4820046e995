import type { Command } from 'commander';
import { DATASET_NAMES, DATASETS, isDatasetName } from '@sevar/datasets';
import type { DatasetName } from '@sevar/datasets';
import { UsageError } from '../../errors.js';
import { dataDirOption, noVerifyOption } from '../../settings/options.js';
import type { CommandHost } from '../command.js';
import { datasetsDownload, datasetsInfo } from './datasets.js';

export { datasetsDownload, datasetsInfo } from './datasets.js';
export type { DatasetInfo } from './datasets.js';

function parseDatasetNames(names: readonly string[]): DatasetName[] {
  for (const n of names) {
    if (!isDatasetName(n)) {
      throw new UsageError(
        'datasets download',
        `dataset names among ${DATASET_NAMES.join(', ')}`,
        n,
      );
    }
  }
  return names as DatasetName[];
}

export function registerDatasets(program: Command, host: CommandHost): void {
  const datasets = program.command('datasets').description('dataset cache: info and download');
  datasets
    .command('info')
    .description('datasets, their files and checksums, and what is in the cache')
    .addOption(dataDirOption())
    .option('--json', 'JSON output')
    .action(async (flags: { dataDir?: string; json?: boolean }) => {
      await datasetsInfo({ dataDir: flags.dataDir, json: flags.json === true }, host.ctx);
    });
  datasets
    .command('download')
    .description('download, verify (MD5) and unpack datasets')
    .argument(
      '<names...>',
      `datasets: ${DATASET_NAMES.filter((d) => DATASETS[d].sources.length > 0).join(', ')}`,
    )
    .addOption(dataDirOption())
    .addOption(noVerifyOption())
    .action(async (names: string[], flags: { dataDir?: string; verify: boolean }) => {
      await datasetsDownload(
        { names: parseDatasetNames(names), dataDir: flags.dataDir, verify: flags.verify },
        host.withProgress(),
      );
    });
}
