import { loadEmbedded } from '../embedded.js';
import { DatasetOptionError } from '../errors.js';
import { getDatasetInfo, getSplitInfo } from '../registry.js';
import type { DatasetName, DatasetSplit } from '../registry.js';
import type { ImageDataset } from '../types.js';
import { loadCifar10, loadCifar100 } from './cifar.js';
import { checkSourceOptions } from './locate.js';
import type { SourceOptions } from './locate.js';
import { loadSvhn } from './svhn.js';

/** Options of {@link loadDataset}: those of the loader of each dataset, plus `limit`. */
export interface LoadDatasetOptions extends SourceOptions {
  /** CIFAR-100 only: the 100 fine classes (default) or the 20 coarse superclasses. */
  label?: 'fine' | 'coarse';
  /** Embedded only: the generator seed (default `EMBEDDED_DEFAULT_SEED`). */
  seed?: number;
  /** Keep only the first `limit` images (the embedded set generates only those). */
  limit?: number;
}

function reject(option: string, expected: string, received: unknown): never {
  throw new DatasetOptionError({ subject: `loadDataset: ${option}`, expected, received });
}

function checkOptions(name: DatasetName, o: LoadDatasetOptions): void {
  if (o.label !== undefined && name !== 'cifar100') {
    reject('label', `no label for '${name}' (only cifar100 has fine and coarse labels)`, o.label);
  }
  if (o.seed !== undefined && name !== 'embedded') {
    reject('seed', `no seed for '${name}' (only the embedded set is generated)`, o.seed);
  }
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1)) {
    reject('limit', 'a positive integer', o.limit);
  }
  checkSourceOptions('loadDataset', o);
}

/** The first `limit` images of `ds`, as views of its arrays. */
function firstImages(ds: ImageDataset, limit: number | undefined): ImageDataset {
  if (limit === undefined || limit >= ds.count) return ds;
  const px = ds.height * ds.width * 3;
  return {
    ...ds,
    images: ds.images.subarray(0, limit * px),
    labels: ds.labels.subarray(0, limit),
    count: limit,
  };
}

/**
 * Loads split `split` of the registered dataset `name` (`'embedded'`, `'cifar10'`, `'cifar100'`,
 * `'svhn'`): the embedded set is generated in memory, the others are located in `dataDir`,
 * downloaded if asked, verified and parsed by their loaders. An unknown name or split throws a
 * typed error listing the valid ones.
 *
 * @example
 * const test = await loadDataset('cifar10', 'test', { download: true });
 */
export async function loadDataset(
  name: DatasetName | (string & {}),
  split: DatasetSplit | (string & {}),
  options: LoadDatasetOptions = {},
): Promise<ImageDataset> {
  const info = getDatasetInfo(name);
  const splitInfo = getSplitInfo(info.name, split);
  checkOptions(info.name, options);
  const { label, seed, limit, ...source } = options;
  switch (info.name) {
    case 'embedded': {
      const count = Math.min(limit ?? splitInfo.count, splitInfo.count);
      return loadEmbedded({ split: split as 'train' | 'test', seed, count });
    }
    case 'cifar10':
      return firstImages(await loadCifar10({ ...source, split: split as 'train' | 'test' }), limit);
    case 'cifar100': {
      const ds = await loadCifar100({ ...source, split: split as 'train' | 'test', label });
      return firstImages(ds, limit);
    }
    case 'svhn':
      return firstImages(await loadSvhn({ ...source, split: split as DatasetSplit }), limit);
  }
}
