// Datasets and their facts (names, classes, files, flips) live in @sevar/datasets' registry; this
// loads one split with the command line's data settings and names the dataset in its errors.
import type { DatasetName, ImageDataset } from '@sevar/datasets';
import { loadDataset } from '@sevar/datasets/node';
import { CliError } from './errors.js';
import { cliText } from './library-flags.js';

export { DATASET_NAMES } from '@sevar/datasets';
export type { DatasetName } from '@sevar/datasets';

export interface LoadOptions {
  /** Where the real datasets are cached (default: `@sevar/datasets/node`'s default). */
  dataDir?: string;
  download?: boolean;
  /** Check that the dataset files are the official ones (default true). */
  verify?: boolean;
  /** Keep only the first `limit` examples (tests and quick looks). */
  limit?: number;
  /** Download progress bar on stderr. */
  progress?: boolean;
}

/** Loads one split through `loadDataset`; its errors become one line naming the dataset. */
export async function loadSplit(
  name: DatasetName,
  split: 'train' | 'test',
  options: LoadOptions = {},
): Promise<ImageDataset> {
  try {
    return await loadDataset(name, split, {
      download: options.download ?? false,
      progress: options.progress ?? false,
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.verify === false ? { verify: false } : {}),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    });
  } catch (error) {
    throw new CliError(`dataset '${name}' (${split}): ${cliText(error)}`, 1, { cause: error });
  }
}
