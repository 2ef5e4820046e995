// Writes the embedded dataset as CIFAR-10-style record files (train.bin, test.bin) into a
// directory, e.g. for reference/embedded_learnability.py. Run after building the package.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedCifarBytes } from '../dist/index.js';

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: node bench/write-embedded.mjs <dir>');
  process.exit(1);
}
mkdirSync(dir, { recursive: true });
for (const split of ['train', 'test']) {
  writeFileSync(join(dir, `${split}.bin`), embeddedCifarBytes({ split }));
}
console.log(`wrote ${join(dir, 'train.bin')} and ${join(dir, 'test.bin')}`);
