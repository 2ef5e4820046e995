import type { ImageDataset } from '@sevar/datasets';

export const DATASETS = ['cifar10', 'cifar100', 'svhn'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface DataSource {
  /** Folder holding the official files or their extracted contents; default: the cache. */
  dataDir: string | undefined;
  /** Fetch (and verify) missing files. */
  download: boolean;
}

type Loader = (options: Record<string, unknown>) => Promise<ImageDataset>;

const NODE_ENTRY = '@sevar/datasets/node';
const LOADERS: Record<DatasetName, { fn: string; extra: Record<string, unknown> }> = {
  cifar10: { fn: 'loadCifar10', extra: {} },
  cifar100: { fn: 'loadCifar100', extra: { label: 'fine' } },
  svhn: { fn: 'loadSvhn', extra: {} },
};

/** A real dataset split from the Node entry of `@sevar/datasets` (files, cache, download, MD5). */
export async function loadSplit(
  dataset: DatasetName,
  split: 'train' | 'test',
  source: DataSource,
): Promise<ImageDataset> {
  const { fn, extra } = LOADERS[dataset];
  const mod = (await import(NODE_ENTRY)) as Record<string, unknown>;
  const load = mod[fn];
  if (typeof load !== 'function')
    throw new Error(`${NODE_ENTRY} exports no ${fn}; update @sevar/datasets`);
  const options: Record<string, unknown> = { ...extra, split, download: source.download };
  if (source.dataDir !== undefined) options['dataDir'] = source.dataDir;
  return (load as Loader)(options);
}
