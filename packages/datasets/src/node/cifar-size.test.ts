import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSizeError } from '../errors.js';
import { loadCifar10, loadCifar100 } from './cifar.js';

// Full-size record files written by numpy (labels i % classes, pixels from numpy's own PRNG),
// then cut with `head -c`: the files an interrupted copy leaves behind.
const WRITE_FULL = `
import sys
import numpy as np
path, label_bytes = sys.argv[1], int(sys.argv[2])
n = 10000
rng = np.random.default_rng(7)
labels = np.stack([np.arange(n) % 20, np.arange(n) % 100] if label_bytes == 2 else [np.arange(n) % 10], axis=1)
pixels = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
np.concatenate([labels.astype(np.uint8), pixels], axis=1).tofile(path)
np.ascontiguousarray(pixels[:2].reshape(2, 3, 32, 32).transpose(0, 2, 3, 1)).tofile(path + '.nhwc2')
`;

const root = mkdtempSync(join(tmpdir(), 'sevar-cifar-size-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `dir/<folder>/<file>` holding the first `bytes` bytes of `source`, cut by `head -c`. */
function cutInto(source: string, bytes: number, dir: string, folder: string, file: string): string {
  mkdirSync(join(dir, folder), { recursive: true });
  const out = join(dir, folder, file);
  execFileSync('sh', ['-c', `head -c ${bytes} "$0" > "$1"`, source, out]);
  return out;
}

const full10 = join(root, 'test_batch.bin');
const full100 = join(root, 'test.bin');
beforeAll(() => {
  execFileSync('python3', ['-c', WRITE_FULL, full10, '1']);
  execFileSync('python3', ['-c', WRITE_FULL, full100, '2']);
}, 60_000);

async function sizeError(p: Promise<unknown>): Promise<FileSizeError> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FileSizeError);
  return err as FileSizeError;
}

describe('CIFAR record files must have their official size', () => {
  it('a full-size test_batch.bin loads all 10,000 records', async () => {
    const d = join(root, 'full');
    cutInto(full10, 10_000 * 3073, d, 'cifar-10-batches-bin', 'test_batch.bin');
    const ds = await loadCifar10({ split: 'test', dataDir: d });
    expect(ds.count).toBe(10_000);
    expect(Array.from(ds.labels.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const nhwc = new Uint8Array(readFileSync(`${full10}.nhwc2`));
    expect(Buffer.from(ds.images.subarray(0, 2 * 3072)).equals(Buffer.from(nhwc))).toBe(true);
  });

  it('test_batch.bin cut to 100 records is a FileSizeError naming the file and both sizes', async () => {
    const d = join(root, 'cut10');
    const file = cutInto(full10, 100 * 3073, d, 'cifar-10-batches-bin', 'test_batch.bin');
    const e = await sizeError(loadCifar10({ split: 'test', dataDir: d }));
    expect([e.file, e.expectedBytes, e.receivedBytes]).toEqual([file, 30_730_000, 307_300]);
    expect(e.message).toBe(
      `${file}: expected 30730000 bytes (10000 CIFAR-10 records of 3073 bytes), received 307300. ` +
        `The file is incomplete or not the official one (100 whole records). Delete ` +
        `${join(d, 'cifar-10-batches-bin')} and load again to extract it anew from ` +
        'cifar-10-binary.tar.gz (download: true fetches the archive if it is missing), or pass ' +
        'verify: false to use the file as it is.',
    );
  });

  it('verify: false loads the cut file as it is (100 images)', async () => {
    const d = join(root, 'cut10-unverified');
    cutInto(full10, 100 * 3073, d, 'cifar-10-batches-bin', 'test_batch.bin');
    const ds = await loadCifar10({ split: 'test', dataDir: d, verify: false });
    expect(ds.count).toBe(100);
  });

  it('a file cut inside a record says it holds no whole records', async () => {
    const d = join(root, 'cut10-mid');
    cutInto(full10, 100 * 3073 + 17, d, 'cifar-10-batches-bin', 'test_batch.bin');
    const e = await sizeError(loadCifar10({ split: 'test', dataDir: d }));
    expect(e.receivedBytes).toBe(307_317);
    expect(e.hint).toMatch(/not whole records/);
  });

  it('CIFAR-100 test.bin cut to 100 records: expected 10,000 records of 3074 bytes', async () => {
    const d = join(root, 'cut100');
    const file = cutInto(full100, 100 * 3074, d, 'cifar-100-binary', 'test.bin');
    const e = await sizeError(loadCifar100({ split: 'test', dataDir: d }));
    expect([e.file, e.expectedBytes, e.receivedBytes]).toEqual([file, 30_740_000, 307_400]);
    expect(e.message).toMatch(/expected 30740000 bytes \(10000 CIFAR-100 records of 3074 bytes\)/);
  });

  it('the cut file inside a tar.gz is caught after extraction', async () => {
    const src = join(root, 'tar-src');
    cutInto(full10, 100 * 3073, src, 'cifar-10-batches-bin', 'test_batch.bin');
    const d = join(root, 'tar');
    mkdirSync(d);
    const archive = join(d, 'cifar-10-binary.tar.gz');
    execFileSync('tar', ['czf', archive, '-C', src, 'cifar-10-batches-bin']);
    // verify: 'size' skips the archive's MD5 (this archive is not the official one), not the sizes.
    const e = await sizeError(loadCifar10({ split: 'test', dataDir: d, verify: 'size' }));
    expect(e.file).toBe(join(d, 'cifar-10-batches-bin', 'test_batch.bin'));
    expect(e.receivedBytes).toBe(307_300);
    expect(readdirSync(d).sort()).toEqual(['cifar-10-batches-bin', 'cifar-10-binary.tar.gz']);
  });
});
