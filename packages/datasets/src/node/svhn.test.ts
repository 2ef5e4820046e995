import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChecksumError, DataFormatError, DataNotFoundError, MatHdf5Error } from '../errors.js';
import { DATA_FILES } from './sources.js';
import { loadSvhn } from './svhn.js';
import { readSvhnMat } from './svhn-mat.js';

const FIX = join(import.meta.dirname, '__fixtures__', 'mat');
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<
  string,
  Record<string, { dims: number[]; values: number[] }>
>;
const tmps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sevar-svhn-'));
  tmps.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmps) rmSync(d, { recursive: true, force: true });
});

/** NHWC pixel (i, r, c, ch) from scipy's column-major X values: index r + 32c + 1024ch + 3072i. */
function nhwcFromColumnMajor(values: number[], n: number): Uint8Array {
  const out = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < 32; r++)
      for (let c = 0; c < 32; c++)
        for (let ch = 0; ch < 3; ch++)
          out[i * 3072 + r * 96 + c * 3 + ch] = values[r + 32 * c + 1024 * ch + 3072 * i]!;
  return out;
}

describe('readSvhnMat', () => {
  const files = [
    'scipy_svhn_compressed.mat',
    'scipy_svhn_plain.mat',
    'crafted_svhn_le_z.mat',
    'crafted_svhn_le_plain.mat',
    'crafted_svhn_be_z.mat',
    'crafted_svhn_be_plain.mat',
  ];
  for (const f of files) {
    it(`${f}: NHWC pixels and labels (10 -> 0) exactly, at any chunk size`, async () => {
      const want = expected[f]!;
      const n = want['X']!.dims[3]!;
      const pixels = nhwcFromColumnMajor(want['X']!.values, n);
      const labels = want['y']!.values.map((v) => (v === 10 ? 0 : v));
      expect(labels).toContain(0);
      for (const chunkSize of [1 << 20, 13, 3072 + 5]) {
        const got = await readSvhnMat(join(FIX, f), { chunkSize });
        expect(got.count).toBe(n);
        expect(Buffer.from(got.images).equals(Buffer.from(pixels))).toBe(true);
        expect(Array.from(got.labels)).toEqual(labels);
      }
    });
  }

  it('a file without X and y says which are missing', async () => {
    await expect(readSvhnMat(join(FIX, 'testdouble_7.4_GLNX86.mat'))).rejects.toThrow(
      /testdouble_7.4_GLNX86.mat: expected variables 'X' and 'y', missing 'X' and 'y'/,
    );
  });
});

describe('loadSvhn', () => {
  it('loads a split from dataDir with verify: false', async () => {
    const d = tmp();
    copyFileSync(join(FIX, 'crafted_svhn_be_z.mat'), join(d, 'test_32x32.mat'));
    const ds = await loadSvhn({ split: 'test', dataDir: d, verify: false });
    expect(ds.count).toBe(5);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 9, 0]);
    expect(ds.name).toBe('svhn');
    expect(ds.classNames[0]).toBe('0');
  });

  it('verifies the MD5 by default and leaves the user file alone', async () => {
    const d = tmp();
    copyFileSync(join(FIX, 'crafted_svhn_le_z.mat'), join(d, 'train_32x32.mat'));
    const err = await loadSvhn({ split: 'train', dataDir: d }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as ChecksumError).file).toBe(join(d, 'train_32x32.mat'));
    expect((err as ChecksumError).expected).toBe(DATA_FILES['svhn-train'].md5);
    expect(readFileSync(join(d, 'train_32x32.mat')).length).toBeGreaterThan(0);
  });

  it('an HDF5 file in place of the .mat gets the v7.3 error', async () => {
    const d = tmp();
    copyFileSync(join(FIX, 'testhdf5_7.4_GLNX86.mat'), join(d, 'extra_32x32.mat'));
    await expect(loadSvhn({ split: 'extra', dataDir: d, verify: false })).rejects.toBeInstanceOf(
      MatHdf5Error,
    );
  });

  it('a truncated .mat is a DataFormatError naming it', async () => {
    const d = tmp();
    const bytes = readFileSync(join(FIX, 'scipy_svhn_compressed.mat'));
    const p = join(d, 'test_32x32.mat');
    writeFileSync(p, bytes.subarray(0, bytes.length - 1000));
    const err = await loadSvhn({ split: 'test', dataDir: d, verify: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).file).toBe(p);
  });

  it('no file and no download: says which file to put where', async () => {
    const d = tmp();
    const err = await loadSvhn({ split: 'extra', dataDir: d }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataNotFoundError);
    const msg = (err as Error).message;
    expect(msg).toContain(join(d, 'extra_32x32.mat'));
    expect(msg).toContain('http://ufldl.stanford.edu/housenumbers/extra_32x32.mat');
    expect(msg).toContain('a93ce644f1a588dc4d68dda5feec44a7');
  });

  it('rejects an unknown split', async () => {
    await expect(loadSvhn({ split: 'val' as 'train' })).rejects.toThrow(
      /loadSvhn: split: expected 'train', 'test' or 'extra', received "val"/,
    );
  });
});
