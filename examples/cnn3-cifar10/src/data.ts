import type { ImageDataset } from '@sevar/datasets';
import { loadCifar10 } from '@sevar/datasets/node';
import type { CifarOptions } from '@sevar/datasets/node';

export interface DataSource {
  /** Folder holding the official archive or its extracted contents; default: the cache. */
  dataDir: string | undefined;
  /** Fetch (and verify) the archive when it is missing. */
  download: boolean;
  /** Check the archive's MD5 and the record files' official sizes (default true). */
  verify?: boolean;
}

/** CIFAR-10 from the Node entry of `@sevar/datasets` (files, cache, download, MD5 check). */
export async function loadCifar10Split(
  split: 'train' | 'test',
  source: DataSource,
): Promise<ImageDataset> {
  const options: CifarOptions = { split, download: source.download };
  if (source.verify === false) options.verify = false;
  if (source.dataDir !== undefined) options.dataDir = source.dataDir;
  return loadCifar10(options);
}
