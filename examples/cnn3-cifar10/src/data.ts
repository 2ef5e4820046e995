import type { ImageDataset } from '@sevar/datasets';

export interface DataSource {
  /** Folder holding the official archive or its extracted contents; default: the cache. */
  dataDir: string | undefined;
  /** Fetch (and verify) the archive when it is missing. */
  download: boolean;
}

type Cifar10Loader = (options: {
  split: 'train' | 'test';
  dataDir?: string;
  download?: boolean;
}) => Promise<ImageDataset>;

const NODE_ENTRY = '@sevar/datasets/node';

/** CIFAR-10 from the Node entry of `@sevar/datasets` (files, cache, download, MD5 check). */
export async function loadCifar10Split(
  split: 'train' | 'test',
  source: DataSource,
): Promise<ImageDataset> {
  const mod = (await import(NODE_ENTRY)) as { loadCifar10?: Cifar10Loader };
  if (typeof mod.loadCifar10 !== 'function') {
    throw new Error(`${NODE_ENTRY} exports no loadCifar10; update @sevar/datasets`);
  }
  const options: Parameters<Cifar10Loader>[0] = { split, download: source.download };
  if (source.dataDir !== undefined) options.dataDir = source.dataDir;
  return mod.loadCifar10(options);
}
