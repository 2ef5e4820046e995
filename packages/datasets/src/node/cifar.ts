import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CIFAR100_COARSE_CLASSES,
  CIFAR100_FINE_CLASSES,
  CIFAR10_CLASSES,
} from '../cifar/class-names.js';
import { cifarRecordSize, parseCifarRecords } from '../cifar/records.js';
import type { CifarRecordLayout } from '../cifar/records.js';
import { DataFormatError, DatasetOptionError } from '../errors.js';
import type { ImageDataset } from '../types.js';
import { ensureExtracted } from './locate.js';
import type { SourceOptions } from './locate.js';
import { DATA_FILES } from './sources.js';

export interface CifarOptions extends SourceOptions {
  split: 'train' | 'test';
}

export interface Cifar100Options extends CifarOptions {
  /** 100 fine classes (default) or 20 coarse superclasses. */
  label?: 'fine' | 'coarse';
}

function checkSplit(fn: string, split: unknown): asserts split is 'train' | 'test' {
  if (split !== 'train' && split !== 'test') {
    throw new DatasetOptionError(
      `${fn}: expected split 'train' or 'test', received ${JSON.stringify(split)}`,
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
      throw new DataFormatError(
        paths[i]!,
        `expected a positive multiple of ${rec} bytes (CIFAR records), received ${b.length} bytes`,
      );
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

export const CIFAR10_FILES = {
  train: [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
  ],
  test: ['test_batch.bin'],
} as const;

/** CIFAR-10 (binary version): 50,000 train / 10,000 test 32×32 images, 10 classes. */
export async function loadCifar10(options: CifarOptions): Promise<ImageDataset> {
  checkSplit('loadCifar10', options.split);
  const files = CIFAR10_FILES[options.split];
  const dir = await ensureExtracted(DATA_FILES.cifar10, files, options);
  const r = await readRecordFiles(
    files.map((f) => join(dir, f)),
    { labelBytes: 1, labelIndex: 0, numClasses: 10 },
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
  const label = options.label ?? 'fine';
  if (label !== 'fine' && label !== 'coarse') {
    throw new DatasetOptionError(
      `loadCifar100: expected label 'fine' or 'coarse', received ${JSON.stringify(label)}`,
    );
  }
  const file = `${options.split}.bin`;
  const dir = await ensureExtracted(DATA_FILES.cifar100, [file], options);
  const fine = label === 'fine';
  const r = await readRecordFiles([join(dir, file)], {
    labelBytes: 2,
    labelIndex: fine ? 1 : 0,
    numClasses: fine ? 100 : 20,
  });
  return {
    ...r,
    height: 32,
    width: 32,
    classNames: fine ? CIFAR100_FINE_CLASSES : CIFAR100_COARSE_CLASSES,
    name: 'cifar100',
    split: options.split,
  };
}
