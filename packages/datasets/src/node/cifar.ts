import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CIFAR100_COARSE_CLASSES,
  CIFAR100_FINE_CLASSES,
  CIFAR10_CLASSES,
} from '../cifar/class-names.js';
import { cifarRecordSize, parseCifarRecords } from '../cifar/records.js';
import type { CifarRecordLayout } from '../cifar/records.js';
import { DataFormatError, DatasetOptionError, FileSizeError } from '../errors.js';
import { DATASETS } from '../registry.js';
import type { SplitFile } from '../registry.js';
import type { DataFile } from '../sources.js';
import type { ImageDataset } from '../types.js';
import { checkSourceOptions, ensureExtracted } from './locate.js';
import type { SourceOptions } from './locate.js';

export interface CifarOptions extends SourceOptions {
  split: 'train' | 'test';
}

export interface Cifar100Options extends CifarOptions {
  /** 100 fine classes (default) or 20 coarse superclasses. */
  label?: 'fine' | 'coarse';
}

function checkSplit(fn: string, split: unknown): asserts split is 'train' | 'test' {
  if (split !== 'train' && split !== 'test') {
    throw new DatasetOptionError({
      subject: `${fn}: split`,
      expected: "'train' or 'test'",
      received: split,
    });
  }
}

/**
 * With `verify` on, each record file must have the exact size of the official one: a file cut on
 * a record boundary would otherwise load as a smaller dataset without a word.
 */
async function checkSizes(
  dir: string,
  files: readonly SplitFile[],
  rec: number,
  title: string,
  archive: DataFile,
): Promise<void> {
  for (const f of files) {
    const path = join(dir, f.file);
    const size = (await stat(path)).size;
    if (size === f.bytes) continue;
    const records = size % rec === 0 ? `${size / rec} whole records` : 'not whole records';
    throw new FileSizeError(
      path,
      f.bytes,
      size,
      `${f.count} ${title} records of ${rec} bytes`,
      `The file is incomplete or not the official one (${records}). Delete ${dir} and load ` +
        `again to extract it anew from ${archive.file} (download: true fetches the archive ` +
        `if it is missing), or pass verify: false to use the file as it is.`,
    );
  }
}

/** Reads record files into one preallocated NHWC array. */
async function readRecordFiles(paths: string[], layout: CifarRecordLayout) {
  const buffers = await Promise.all(paths.map((p) => readFile(p)));
  const rec = cifarRecordSize(layout);
  let total = 0;
  buffers.forEach((b, i) => {
    if (b.length === 0 || b.length % rec !== 0) {
      throw new DataFormatError(paths[i]!, {
        expected: `a positive multiple of ${rec} bytes (CIFAR records)`,
        received: b.length,
      });
    }
    total += b.length / rec;
  });
  const images = new Uint8Array(total * 3072);
  const labels = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < buffers.length; i++) {
    at += parseCifarRecords(buffers[i]!, layout, paths[i]!, { images, labels, outIndex: at }).count;
  }
  return { images, labels, count: total };
}

/** Locates (extracting or downloading as asked), checks and reads the record files of a split. */
async function loadRecords(
  name: 'cifar10' | 'cifar100',
  split: 'train' | 'test',
  layout: CifarRecordLayout,
  options: SourceOptions,
) {
  const info = DATASETS[name];
  const files = info.splits[split]!.files;
  const archive = info.sources[0] as DataFile & { folder: string };
  const dir = await ensureExtracted(
    archive,
    files.map((f) => f.file),
    options,
  );
  if (options.verify !== false) {
    await checkSizes(dir, files, cifarRecordSize(layout), info.title, archive);
  }
  return readRecordFiles(
    files.map((f) => join(dir, f.file)),
    layout,
  );
}

/** The record files of each CIFAR-10 split (from the dataset registry). */
export const CIFAR10_FILES: {
  readonly train: readonly string[];
  readonly test: readonly string[];
} = {
  train: DATASETS.cifar10.splits.train!.files.map((f) => f.file),
  test: DATASETS.cifar10.splits.test!.files.map((f) => f.file),
};

/** CIFAR-10 (binary version): 50,000 train / 10,000 test 32×32 images, 10 classes. */
export async function loadCifar10(options: CifarOptions): Promise<ImageDataset> {
  checkSplit('loadCifar10', options.split);
  checkSourceOptions('loadCifar10', options);
  const r = await loadRecords(
    'cifar10',
    options.split,
    {
      labelBytes: 1,
      labelIndex: 0,
      numClasses: 10,
    },
    options,
  );
  return {
    ...r,
    height: 32,
    width: 32,
    classNames: CIFAR10_CLASSES,
    name: 'cifar10',
    split: options.split,
  };
}

/** CIFAR-100 (binary version): 50,000 / 10,000 images, 100 fine or 20 coarse classes. */
export async function loadCifar100(options: Cifar100Options): Promise<ImageDataset> {
  checkSplit('loadCifar100', options.split);
  checkSourceOptions('loadCifar100', options);
  const label = options.label ?? 'fine';
  if (label !== 'fine' && label !== 'coarse') {
    throw new DatasetOptionError({
      subject: 'loadCifar100: label',
      expected: "'fine' or 'coarse'",
      received: label,
    });
  }
  const fine = label === 'fine';
  const r = await loadRecords(
    'cifar100',
    options.split,
    { labelBytes: 2, labelIndex: fine ? 1 : 0, numClasses: fine ? 100 : 20 },
    options,
  );
  return {
    ...r,
    height: 32,
    width: 32,
    classNames: fine ? CIFAR100_FINE_CLASSES : CIFAR100_COARSE_CLASSES,
    name: 'cifar100',
    split: options.split,
  };
}
