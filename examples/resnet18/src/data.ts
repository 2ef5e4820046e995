import type { ImageDataset } from '@sevar/datasets';
import { loadCifar10, loadCifar100, loadSvhn } from '@sevar/datasets/node';
import type { SourceOptions } from '@sevar/datasets/node';

export const DATASETS = ['cifar10', 'cifar100', 'svhn'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface DataSource {
  /** Folder holding the official files or their extracted contents; default: the cache. */
  dataDir: string | undefined;
  /** Fetch (and verify) missing files. */
  download: boolean;
  /** Check MD5s and the record files' official sizes (default true). */
  verify?: boolean;
}

/** A real dataset split from the Node entry of `@sevar/datasets` (files, cache, download, MD5). */
export async function loadSplit(
  dataset: DatasetName,
  split: 'train' | 'test',
  source: DataSource,
): Promise<ImageDataset> {
  const from: SourceOptions = { download: source.download };
  if (source.verify === false) from.verify = false;
  if (source.dataDir !== undefined) from.dataDir = source.dataDir;
  switch (dataset) {
    case 'cifar10':
      return loadCifar10({ ...from, split });
    case 'cifar100':
      return loadCifar100({ ...from, split, label: 'fine' });
    case 'svhn':
      return loadSvhn({ ...from, split });
  }
}
