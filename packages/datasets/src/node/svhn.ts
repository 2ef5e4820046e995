import { SVHN_CLASSES } from '../cifar/class-names.js';
import { DatasetOptionError } from '../errors.js';
import type { ImageDataset, SvhnSplit } from '../types.js';
import { checkSourceOptions, ensureFile } from './locate.js';
import type { SourceOptions } from './locate.js';
import { DATA_FILES } from './sources.js';
import { readSvhnMat } from './svhn-mat.js';

export interface SvhnOptions extends SourceOptions {
  split: SvhnSplit;
}

/**
 * SVHN cropped digits (format 2): train 73,257, test 26,032, extra 531,131 images. Labels are
 * digits 0–9 (the file's 10 becomes 0). The file is streamed, so `extra` needs about its
 * 1.6 GB of output plus one read chunk.
 */
export async function loadSvhn(options: SvhnOptions): Promise<ImageDataset> {
  const { split } = options;
  if (split !== 'train' && split !== 'test' && split !== 'extra') {
    throw new DatasetOptionError({
      subject: 'loadSvhn: split',
      expected: "'train', 'test' or 'extra'",
      received: split,
    });
  }
  checkSourceOptions('loadSvhn', options);
  const path = await ensureFile(DATA_FILES[`svhn-${split}`], options);
  const r = await readSvhnMat(path);
  return { ...r, height: 32, width: 32, classNames: SVHN_CLASSES, name: 'svhn', split };
}
