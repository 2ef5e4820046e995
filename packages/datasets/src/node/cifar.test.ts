import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR100_COARSE_CLASSES, CIFAR10_CLASSES } from '../cifar/class-names.js';
import {
  ChecksumError,
  DataFormatError,
  DataNotFoundError,
  DatasetOptionError,
} from '../errors.js';
import { loadCifar10, loadCifar100 } from './cifar.js';
import { DATA_FILES } from './sources.js';

const FIX = join(import.meta.dirname, '__fixtures__', 'cifar');
const expected = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(join(FIX, 'expected', name)));
const tmps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sevar-cifar-'));
  tmps.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmps) rmSync(d, { recursive: true, force: true });
});

/** A directory holding `archive` made by the system `tar` from the fixture folder. */
function withArchive(folder: string, archive: string): string {
  const d = tmp();
  execFileSync('tar', ['czf', join(d, archive), '-C', FIX, folder]);
  return d;
}

describe('loadCifar10', () => {
  it('parses the extracted folder pixel- and label-exactly (numpy-written records)', async () => {
    for (const split of ['train', 'test'] as const) {
      // The fixtures hold a few records per file: verify: false skips the official-size check.
      const ds = await loadCifar10({ split, dataDir: FIX, verify: false });
      expect(Buffer.from(ds.images).equals(Buffer.from(expected(`c10_${split}_images.bin`)))).toBe(
        true,
      );
      expect(Array.from(ds.labels)).toEqual(Array.from(expected(`c10_${split}_labels.bin`)));
      expect(ds.count).toBe(ds.labels.length);
      expect(ds.classNames).toEqual(CIFAR10_CLASSES);
      expect(ds.name).toBe('cifar10');
    }
  });

  it('accepts dataDir pointing at the extracted folder itself', async () => {
    const ds = await loadCifar10({
      split: 'test',
      dataDir: join(FIX, 'cifar-10-batches-bin'),
      verify: false,
    });
    expect(Array.from(ds.labels)).toEqual([9, 0, 3]);
  });

  it('extracts a .tar.gz made by system tar, then reads it', async () => {
    const d = withArchive('cifar-10-batches-bin', DATA_FILES.cifar10.file);
    const ds = await loadCifar10({ split: 'train', dataDir: d, verify: false });
    expect(Buffer.from(ds.images).equals(Buffer.from(expected('c10_train_images.bin')))).toBe(true);
    expect(existsSync(join(d, 'cifar-10-batches-bin', 'data_batch_5.bin'))).toBe(true);
    expect(existsSync(join(d, DATA_FILES.cifar10.file))).toBe(true);
  });

  it('concurrent loads of both splits share one extraction', async () => {
    const d = withArchive('cifar-10-batches-bin', DATA_FILES.cifar10.file);
    const [train, test] = await Promise.all([
      loadCifar10({ split: 'train', dataDir: d, verify: false }),
      loadCifar10({ split: 'test', dataDir: d, verify: false }),
    ]);
    expect(Buffer.from(train.images).equals(Buffer.from(expected('c10_train_images.bin')))).toBe(
      true,
    );
    expect(Array.from(test.labels)).toEqual([9, 0, 3]);
    expect(readdirSync(d).sort()).toEqual(['cifar-10-batches-bin', DATA_FILES.cifar10.file]);
  });

  it('checks the archive MD5 by default, names the file and leaves it in place', async () => {
    const d = withArchive('cifar-10-batches-bin', DATA_FILES.cifar10.file);
    const err = await loadCifar10({ split: 'test', dataDir: d }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as ChecksumError).file).toBe(join(d, DATA_FILES.cifar10.file));
    expect((err as Error).message).toContain(DATA_FILES.cifar10.md5);
    expect(existsSync(join(d, DATA_FILES.cifar10.file))).toBe(true);
  });

  it('a corrupt archive is a DataFormatError naming it, and no half folder is left', async () => {
    const d = withArchive('cifar-10-batches-bin', DATA_FILES.cifar10.file);
    const archive = join(d, DATA_FILES.cifar10.file);
    const bytes = readFileSync(archive);
    writeFileSync(archive, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await loadCifar10({ split: 'test', dataDir: d, verify: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).file).toBe(archive);
    expect(readdirSync(d)).toEqual([DATA_FILES.cifar10.file]); // no half folder, no temp dir
  });

  it('missing files: a DataNotFoundError saying which file to put where', async () => {
    const d = tmp();
    const err = await loadCifar10({ split: 'train', dataDir: d }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataNotFoundError);
    const msg = (err as Error).message;
    expect(msg).toContain(join(d, 'cifar-10-binary.tar.gz'));
    expect(msg).toContain('c32a1d4ab5d03f1284b67883e8d87530');
    expect(msg).toContain('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
  });

  it('a truncated record file is a DataFormatError naming the file and the byte count', async () => {
    const d = tmp();
    cpSync(join(FIX, 'cifar-10-batches-bin'), join(d, 'cifar-10-batches-bin'), { recursive: true });
    const f = join(d, 'cifar-10-batches-bin', 'data_batch_3.bin');
    truncateSync(f, 3073 * 2 - 100);
    const err = await loadCifar10({ split: 'train', dataDir: d, verify: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).file).toBe(f);
    expect((err as Error).message).toMatch(/multiple of 3073 bytes.*received 6046$/);
  });

  it('a label out of range is a DataFormatError naming the record', async () => {
    const d = tmp();
    cpSync(join(FIX, 'cifar-10-batches-bin'), join(d, 'cifar-10-batches-bin'), { recursive: true });
    const f = join(d, 'cifar-10-batches-bin', 'test_batch.bin');
    const b = readFileSync(f);
    b[3073] = 10;
    writeFileSync(f, b);
    await expect(loadCifar10({ split: 'test', dataDir: d, verify: false })).rejects.toThrow(
      /test_batch.bin: record 1: expected a label below 10, received 10/,
    );
  });

  it('rejects an unknown split', async () => {
    await expect(loadCifar10({ split: 'val' as 'train', dataDir: FIX })).rejects.toBeInstanceOf(
      DatasetOptionError,
    );
  });
});

describe('loadCifar100', () => {
  it('reads fine and coarse labels exactly, from a system-tar archive', async () => {
    const d = withArchive('cifar-100-binary', DATA_FILES.cifar100.file);
    for (const split of ['train', 'test'] as const) {
      const fine = await loadCifar100({ split, dataDir: d, verify: false });
      const coarse = await loadCifar100({ split, dataDir: d, label: 'coarse', verify: false });
      expect(
        Buffer.from(fine.images).equals(Buffer.from(expected(`c100_${split}_images.bin`))),
      ).toBe(true);
      expect(Array.from(fine.labels)).toEqual(Array.from(expected(`c100_${split}_fine.bin`)));
      expect(Array.from(coarse.labels)).toEqual(Array.from(expected(`c100_${split}_coarse.bin`)));
      expect(fine.classNames.length).toBe(100);
      expect(coarse.classNames).toEqual(CIFAR100_COARSE_CLASSES);
    }
  });

  it('rejects an unknown label kind', async () => {
    await expect(
      loadCifar100({ split: 'train', dataDir: FIX, label: 'medium' as 'fine' }),
    ).rejects.toThrow(/label: expected 'fine' or 'coarse', received "medium"/);
  });
});
