import { describe, expect, it } from 'vitest';
import { resolveAugment } from './augment.js';
import { DatasetOptionError, UnknownDatasetError } from './errors.js';
import { NORMALIZATION } from './normalization.js';
import {
  DATASETS,
  DATASET_NAMES,
  allowsHorizontalFlip,
  datasetSplitNames,
  getDatasetInfo,
  getSplitInfo,
  isDatasetName,
} from './registry.js';

// Published facts, written out here from the SPEC's Data table and the datasets' home pages.
const PUBLISHED = {
  'cifar-10-binary.tar.gz': [170_052_171, 'c32a1d4ab5d03f1284b67883e8d87530'],
  'cifar-100-binary.tar.gz': [168_513_733, '03b5dce01913d631647c71ecec9e9cb8'],
  'train_32x32.mat': [182_040_794, 'e26dedcc434d2e4c54c9b2d4a06d8373'],
  'test_32x32.mat': [64_275_384, 'eb5a983be6a315427106f1b164d9cef3'],
  'extra_32x32.mat': [1_329_278_602, 'a93ce644f1a588dc4d68dda5feec44a7'],
} as const;

describe('dataset registry', () => {
  it('lists every dataset once, keyed by its own name', () => {
    expect(DATASET_NAMES).toEqual(['embedded', 'cifar10', 'cifar100', 'svhn']);
    expect(Object.keys(DATASETS)).toEqual([...DATASET_NAMES]);
    for (const n of DATASET_NAMES) expect(DATASETS[n].name).toBe(n);
  });

  it('holds the published files with their sizes and MD5s', () => {
    const files = DATASET_NAMES.flatMap((n) => DATASETS[n].sources);
    expect(Object.fromEntries(files.map((f) => [f.file, [f.bytes, f.md5]]))).toEqual(PUBLISHED);
  });

  it('has the published split sizes and class counts', () => {
    const splits = Object.fromEntries(
      DATASET_NAMES.map((n) => [
        n,
        Object.fromEntries(Object.entries(DATASETS[n].splits).map(([s, i]) => [s, i.count])),
      ]),
    );
    expect(splits).toEqual({
      embedded: { train: 5000, test: 1000 },
      cifar10: { train: 50_000, test: 10_000 },
      cifar100: { train: 50_000, test: 10_000 },
      svhn: { train: 73_257, test: 26_032, extra: 531_131 },
    });
    expect(DATASET_NAMES.map((n) => DATASETS[n].numClasses)).toEqual([10, 10, 100, 10]);
    expect(DATASETS.cifar100.coarse?.numClasses).toBe(20);
    for (const n of DATASET_NAMES) {
      const info = DATASETS[n];
      expect(info.classNames.length).toBe(info.numClasses);
      expect([...info.imageSize, info.channels]).toEqual([32, 32, 3]);
    }
  });

  it('knows the byte size of every CIFAR record file (records x (label bytes + 3072))', () => {
    const sizes = (n: 'cifar10' | 'cifar100', s: 'train' | 'test') =>
      DATASETS[n].splits[s]!.files.map((f) => [f.file, f.bytes, f.count]);
    expect(sizes('cifar10', 'train')).toEqual(
      [1, 2, 3, 4, 5].map((i) => [`data_batch_${i}.bin`, 30_730_000, 10_000]),
    );
    expect(sizes('cifar10', 'test')).toEqual([['test_batch.bin', 30_730_000, 10_000]]);
    expect(sizes('cifar100', 'train')).toEqual([['train.bin', 153_700_000, 50_000]]);
    expect(sizes('cifar100', 'test')).toEqual([['test.bin', 30_740_000, 10_000]]);
    expect(DATASETS.svhn.splits.extra!.files).toEqual([
      { file: 'extra_32x32.mat', bytes: 1_329_278_602, count: 531_131 },
    ]);
    for (const n of DATASET_NAMES) {
      for (const split of Object.values(DATASETS[n].splits)) {
        expect(split.files.reduce((a, f) => a + f.count, 0)).toBe(
          n === 'embedded' ? 0 : split.count,
        );
      }
    }
  });

  it('refers to the normalization constants and says where flips are allowed', () => {
    for (const n of DATASET_NAMES) expect(DATASETS[n].normalization).toBe(NORMALIZATION[n]);
    expect(DATASET_NAMES.filter((n) => !DATASETS[n].horizontalFlip)).toEqual(['svhn']);
    expect(allowsHorizontalFlip('svhn')).toBe(false);
    expect(allowsHorizontalFlip('my-own-photos')).toBe(true);
    expect(resolveAugment('standard', 'svhn')).toEqual({ kind: 'crop', padding: 4, flip: false });
    expect(resolveAugment('standard', 'cifar10')).toEqual({ kind: 'crop', padding: 4, flip: true });
  });
});

describe('registry lookups', () => {
  it('an unknown name is an UnknownDatasetError listing the valid ones, with a suggestion', () => {
    expect(isDatasetName('cifar10')).toBe(true);
    expect(isDatasetName('CIFAR10')).toBe(false);
    const e = (() => {
      try {
        getDatasetInfo('cifar-10');
      } catch (error) {
        return error;
      }
    })();
    expect(e).toBeInstanceOf(UnknownDatasetError);
    expect(e).toBeInstanceOf(DatasetOptionError);
    expect((e as UnknownDatasetError).validNames).toEqual(DATASET_NAMES);
    expect((e as Error).message).toBe(
      `dataset: expected one of 'embedded', 'cifar10', 'cifar100', 'svhn', received "cifar-10". ` +
        "Did you mean 'cifar10'?",
    );
    expect(() => getDatasetInfo('imagenet')).toThrow(/received "imagenet"$/);
  });

  it('splits: names in order, and a split the dataset lacks lists the valid ones', () => {
    expect(datasetSplitNames('svhn')).toEqual(['train', 'test', 'extra']);
    expect(datasetSplitNames('cifar100')).toEqual(['train', 'test']);
    expect(getSplitInfo('svhn', 'extra').count).toBe(531_131);
    expect(() => getSplitInfo('cifar10', 'extra')).toThrow(
      `cifar10 split: expected one of 'train', 'test', received "extra"`,
    );
  });
});
