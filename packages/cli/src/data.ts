import { DatasetError, EMBEDDED_DEFAULT_COUNTS, loadEmbedded } from '@sevar/datasets';
import type { ImageDataset } from '@sevar/datasets';
import { CliError, UsageError } from './errors.js';

export const DATASET_NAMES = ['embedded', 'cifar10', 'cifar100', 'svhn'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const NUM_CLASSES: Record<DatasetName, number> = {
  embedded: 10,
  cifar10: 10,
  cifar100: 100,
  svhn: 10,
};

export function parseDatasetName(value: string, option = '--dataset'): DatasetName {
  if (!(DATASET_NAMES as readonly string[]).includes(value)) {
    throw new UsageError(option, `one of ${DATASET_NAMES.join(', ')}`, value);
  }
  return value as DatasetName;
}

export interface LoadOptions {
  /** Where the real datasets are cached (default: `@sevar/datasets/node`'s default). */
  dataDir?: string;
  download?: boolean;
  /** Check the MD5 of the dataset files (default true). */
  verify?: boolean;
  /** Keep only the first `limit` examples (tests and quick looks). */
  limit?: number;
  /** Download progress bar on stderr. */
  progress?: boolean;
}

/** The Node loaders of `@sevar/datasets`, imported lazily so the embedded path needs no fs. */
export interface NodeLoaders {
  loadCifar10(o: Record<string, unknown>): Promise<ImageDataset>;
  loadCifar100(o: Record<string, unknown>): Promise<ImageDataset>;
  loadSvhn(o: Record<string, unknown>): Promise<ImageDataset>;
  defaultDataDir(): string;
  DATA_FILES: Record<
    string,
    { file: string; url: string; bytes: number; md5: string; folder?: string }
  >;
  ensureExtracted?: (
    f: unknown,
    files: readonly string[],
    o: Record<string, unknown>,
  ) => Promise<string>;
  ensureFile?: (f: unknown, o: Record<string, unknown>) => Promise<string>;
}

export async function nodeLoaders(): Promise<NodeLoaders> {
  // A variable specifier keeps this an optional, late import (older @sevar/datasets lack it).
  const specifier = '@sevar/datasets/node';
  try {
    return (await import(specifier)) as NodeLoaders;
  } catch (error) {
    throw new CliError(
      `cannot load ${specifier} (needed for real datasets): ${(error as Error).message}`,
      1,
      { cause: error },
    );
  }
}

function subset(ds: ImageDataset, limit: number | undefined): ImageDataset {
  if (limit === undefined || limit >= ds.count) return ds;
  const px = ds.height * ds.width * 3;
  return {
    ...ds,
    images: ds.images.subarray(0, limit * px),
    labels: ds.labels.subarray(0, limit),
    count: limit,
  };
}

/** Loads one split; data errors become one-line CLI errors naming the dataset. */
export async function loadSplit(
  name: DatasetName,
  split: 'train' | 'test',
  options: LoadOptions = {},
): Promise<ImageDataset> {
  try {
    if (name === 'embedded') {
      const count = Math.min(options.limit ?? Infinity, EMBEDDED_DEFAULT_COUNTS[split]);
      return await loadEmbedded({ split, count });
    }
    const loaders = await nodeLoaders();
    const common: Record<string, unknown> = {
      split,
      download: options.download ?? false,
      progress: options.progress ?? false,
    };
    if (options.dataDir !== undefined) common['dataDir'] = options.dataDir;
    if (options.verify === false) common['verify'] = false;
    const ds =
      name === 'cifar10'
        ? await loaders.loadCifar10(common)
        : name === 'cifar100'
          ? await loaders.loadCifar100(common)
          : await loaders.loadSvhn(common);
    return subset(ds, options.limit);
  } catch (error) {
    if (error instanceof CliError) throw error;
    // DatasetError and its kin name the file; keep their message, say which dataset it was.
    const known = error instanceof DatasetError ? '' : `${(error as Error)?.name ?? 'Error'}: `;
    throw new CliError(
      `dataset '${name}' (${split}): ${known}${(error as Error)?.message ?? String(error)}`,
      1,
      {
        cause: error,
      },
    );
  }
}
