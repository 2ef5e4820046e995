import { closestName } from '@sevar/core';
import {
  CIFAR100_COARSE_CLASSES,
  CIFAR100_FINE_CLASSES,
  CIFAR10_CLASSES,
  SVHN_CLASSES,
} from './cifar/class-names.js';
import { EMBEDDED_CLASSES, EMBEDDED_DEFAULT_COUNTS } from './embedded.js';
import { DatasetOptionError, UnknownDatasetError } from './errors.js';
import { NORMALIZATION } from './normalization.js';
import type { Normalization } from './normalization.js';
import { DATA_FILES } from './sources.js';
import type { DataFile } from './sources.js';

/** Every registered dataset, the embedded one (no download) first. */
export const DATASET_NAMES = ['embedded', 'cifar10', 'cifar100', 'svhn'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** A split name; which ones a dataset has is in its {@link DatasetInfo.splits}. */
export type DatasetSplit = 'train' | 'test' | 'extra';

/** A file a split is read from, with the exact size the official one has. */
export interface SplitFile {
  /** File name: a record file inside the extracted archive folder (CIFAR), or the `.mat` (SVHN). */
  readonly file: string;
  readonly bytes: number;
  /** Images it holds. */
  readonly count: number;
}

export interface SplitInfo {
  /** Images in the split (the embedded set's default count: it can generate any). */
  readonly count: number;
  /** The files it is read from, in order; empty for the embedded set (generated in memory). */
  readonly files: readonly SplitFile[];
}

export interface LabelSet {
  readonly numClasses: number;
  readonly classNames: readonly string[];
}

/** The facts of one dataset: what a loader, a model head and an augmentation need to know. */
export interface DatasetInfo {
  readonly name: DatasetName;
  readonly title: string;
  /** Classes of the default labels (CIFAR-100: the 100 fine classes). */
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** CIFAR-100's 20 superclasses, loaded with `label: 'coarse'`. */
  readonly coarse?: LabelSet;
  /** `[height, width]` of every image. */
  readonly imageSize: readonly [number, number];
  readonly channels: number;
  /** The splits in their usual order (train, test, then SVHN's extra). */
  readonly splits: Readonly<Partial<Record<DatasetSplit, SplitInfo>>>;
  /** The published files to download (none for the embedded set). */
  readonly sources: readonly DataFile[];
  /** Per-channel mean / std of its pixels in [0, 1] (the `NORMALIZATION` entry). */
  readonly normalization: Normalization;
  /** Whether a horizontal flip keeps the label (not for SVHN's digits). */
  readonly horizontalFlip: boolean;
}

const IMAGE_BYTES = 32 * 32 * 3;

/** `n` record files of `records` CIFAR records, each of `labelBytes` label byte(s) + pixels. */
function recordFiles(names: readonly string[], records: number, labelBytes: number): SplitFile[] {
  return names.map((file) => ({
    file,
    bytes: records * (labelBytes + IMAGE_BYTES),
    count: records,
  }));
}

function matFile(f: DataFile, count: number): SplitFile {
  return { file: f.file, bytes: f.bytes, count };
}

const TRAIN_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);

export const DATASETS: { readonly [N in DatasetName]: DatasetInfo & { readonly name: N } } = {
  embedded: {
    name: 'embedded',
    title: 'Embedded shapes (synthetic, generated in memory)',
    numClasses: EMBEDDED_CLASSES.length,
    classNames: EMBEDDED_CLASSES,
    imageSize: [32, 32],
    channels: 3,
    splits: {
      train: { count: EMBEDDED_DEFAULT_COUNTS.train, files: [] },
      test: { count: EMBEDDED_DEFAULT_COUNTS.test, files: [] },
    },
    sources: [],
    normalization: NORMALIZATION.embedded,
    horizontalFlip: true,
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10',
    numClasses: CIFAR10_CLASSES.length,
    classNames: CIFAR10_CLASSES,
    imageSize: [32, 32],
    channels: 3,
    splits: {
      train: { count: 50_000, files: recordFiles(TRAIN_BATCHES, 10_000, 1) },
      test: { count: 10_000, files: recordFiles(['test_batch.bin'], 10_000, 1) },
    },
    sources: [DATA_FILES.cifar10],
    normalization: NORMALIZATION.cifar10,
    horizontalFlip: true,
  },
  cifar100: {
    name: 'cifar100',
    title: 'CIFAR-100',
    numClasses: CIFAR100_FINE_CLASSES.length,
    classNames: CIFAR100_FINE_CLASSES,
    coarse: { numClasses: CIFAR100_COARSE_CLASSES.length, classNames: CIFAR100_COARSE_CLASSES },
    imageSize: [32, 32],
    channels: 3,
    splits: {
      train: { count: 50_000, files: recordFiles(['train.bin'], 50_000, 2) },
      test: { count: 10_000, files: recordFiles(['test.bin'], 10_000, 2) },
    },
    sources: [DATA_FILES.cifar100],
    normalization: NORMALIZATION.cifar100,
    horizontalFlip: true,
  },
  svhn: {
    name: 'svhn',
    title: 'SVHN (cropped digits)',
    numClasses: SVHN_CLASSES.length,
    classNames: SVHN_CLASSES,
    imageSize: [32, 32],
    channels: 3,
    splits: {
      train: { count: 73_257, files: [matFile(DATA_FILES['svhn-train'], 73_257)] },
      test: { count: 26_032, files: [matFile(DATA_FILES['svhn-test'], 26_032)] },
      extra: { count: 531_131, files: [matFile(DATA_FILES['svhn-extra'], 531_131)] },
    },
    sources: [DATA_FILES['svhn-train'], DATA_FILES['svhn-test'], DATA_FILES['svhn-extra']],
    normalization: NORMALIZATION.svhn,
    horizontalFlip: false,
  },
};

/** True when `name` is a registered dataset. */
export function isDatasetName(name: unknown): name is DatasetName {
  return typeof name === 'string' && (DATASET_NAMES as readonly string[]).includes(name);
}

/** The facts of dataset `name`; an unknown name throws {@link UnknownDatasetError} listing the valid ones. */
export function getDatasetInfo(name: string): DatasetInfo {
  if (!isDatasetName(name)) {
    const near = typeof name === 'string' ? closestName(name, DATASET_NAMES) : undefined;
    throw new UnknownDatasetError(name, DATASET_NAMES, near && `Did you mean '${near}'?`);
  }
  return DATASETS[name];
}

/** The split names of dataset `name`, in order. */
export function datasetSplitNames(name: string): DatasetSplit[] {
  return Object.keys(getDatasetInfo(name).splits) as DatasetSplit[];
}

/** The facts of one split; a split the dataset lacks throws {@link DatasetOptionError}. */
export function getSplitInfo(name: string, split: string): SplitInfo {
  const info = getDatasetInfo(name);
  const found = (info.splits as Record<string, SplitInfo | undefined>)[split];
  if (found === undefined) {
    const valid = Object.keys(info.splits);
    throw new DatasetOptionError({
      subject: `${name} split`,
      expected: `one of ${valid.map((s) => `'${s}'`).join(', ')}`,
      received: split,
    });
  }
  return found;
}

/**
 * Whether images of the dataset named `name` may be mirrored: the registry's answer for a
 * registered dataset, true for any other (a user's own data).
 */
export function allowsHorizontalFlip(name: string): boolean {
  return isDatasetName(name) ? DATASETS[name].horizontalFlip : true;
}
