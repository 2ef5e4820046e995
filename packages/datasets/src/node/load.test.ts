import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR100_COARSE_CLASSES } from '../cifar/class-names.js';
import { loadEmbedded } from '../embedded.js';
import { DataNotFoundError, DatasetOptionError, UnknownDatasetError } from '../errors.js';
import { loadCifar10, loadCifar100 } from './cifar.js';
import { loadDataset } from './load.js';
import { loadSvhn } from './svhn.js';

const FIX = join(import.meta.dirname, '__fixtures__');
const tmps: string[] = [];
afterAll(() => {
  for (const d of tmps) rmSync(d, { recursive: true, force: true });
});

describe('loadDataset', () => {
  it('embedded: the same images as loadEmbedded, limit generating only those', async () => {
    const ds = await loadDataset('embedded', 'test', { limit: 40 });
    const direct = await loadEmbedded({ split: 'test', count: 40 });
    expect(ds.count).toBe(40);
    expect(Buffer.from(ds.images).equals(Buffer.from(direct.images))).toBe(true);
    expect((await loadDataset('embedded', 'train', { limit: 10 ** 6, seed: 3 })).count).toBe(5000);
  });

  it('cifar10 and cifar100 (coarse): what their loaders give, limit keeping the first images', async () => {
    const dataDir = join(FIX, 'cifar');
    const c10 = await loadDataset('cifar10', 'train', { dataDir, verify: false });
    const direct = await loadCifar10({ split: 'train', dataDir, verify: false });
    expect(Buffer.from(c10.images).equals(Buffer.from(direct.images))).toBe(true);
    const first = await loadDataset('cifar10', 'train', { dataDir, verify: false, limit: 3 });
    expect(first.count).toBe(3);
    expect(Array.from(first.labels)).toEqual(Array.from(direct.labels.subarray(0, 3)));
    expect(Buffer.from(first.images).equals(Buffer.from(direct.images.subarray(0, 3 * 3072)))).toBe(
      true,
    );
    const coarse = await loadDataset('cifar100', 'test', {
      dataDir,
      verify: false,
      label: 'coarse',
    });
    const coarseDirect = await loadCifar100({
      split: 'test',
      dataDir,
      verify: false,
      label: 'coarse',
    });
    expect(coarse.classNames).toEqual(CIFAR100_COARSE_CLASSES);
    expect(Array.from(coarse.labels)).toEqual(Array.from(coarseDirect.labels));
  });

  it('svhn: reads a scipy-written MAT file placed as the split file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sevar-load-'));
    tmps.push(dataDir);
    copyFileSync(join(FIX, 'mat', 'scipy_svhn_compressed.mat'), join(dataDir, 'test_32x32.mat'));
    const ds = await loadDataset('svhn', 'test', { dataDir, verify: false });
    const direct = await loadSvhn({ split: 'test', dataDir, verify: false });
    expect(ds.name).toBe('svhn');
    expect(Array.from(ds.labels)).toEqual(Array.from(direct.labels));
  });

  it('rejects unknown names and splits, and options of other datasets', async () => {
    await expect(loadDataset('mnist', 'train')).rejects.toBeInstanceOf(UnknownDatasetError);
    await expect(loadDataset('cifar10', 'extra')).rejects.toThrow(
      `cifar10 split: expected one of 'train', 'test', received "extra"`,
    );
    await expect(loadDataset('cifar10', 'test', { label: 'coarse' })).rejects.toThrow(
      /loadDataset: label: expected no label for 'cifar10'/,
    );
    await expect(loadDataset('svhn', 'test', { seed: 1 })).rejects.toThrow(
      /loadDataset: seed: expected no seed for 'svhn'/,
    );
    const e = await loadDataset('embedded', 'test', { limit: 0 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DatasetOptionError);
    expect((e as Error).message).toBe(
      'loadDataset: limit: expected a positive integer, received 0',
    );
  });
  it('rejects a verify other than true, false or size, before looking for files', async () => {
    // An empty directory: a verify that passed would end in DataNotFoundError instead.
    const dataDir = mkdtempSync(join(tmpdir(), 'sevar-verify-'));
    tmps.push(dataDir);
    const expected = "true (the default), 'size' or false";
    const calls: [string, () => Promise<unknown>, string][] = [
      [
        'loadDataset',
        () => loadDataset('cifar10', 'test', { dataDir, verify: 'sizes' as never }),
        '"sizes"',
      ],
      ['loadDataset', () => loadDataset('embedded', 'test', { verify: 'true' as never }), '"true"'],
      [
        'loadCifar10',
        () => loadCifar10({ split: 'test', dataDir, verify: 'sizes' as never }),
        '"sizes"',
      ],
      ['loadCifar100', () => loadCifar100({ split: 'test', dataDir, verify: 0 as never }), '0'],
      ['loadSvhn', () => loadSvhn({ split: 'test', dataDir, verify: 'md5' as never }), '"md5"'],
    ];
    for (const [fn, call, received] of calls) {
      const e = await call().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DatasetOptionError);
      expect((e as Error).message).toBe(
        `${fn}: verify: expected ${expected}, received ${received}`,
      );
      expect(e).toMatchObject({ subject: `${fn}: verify`, expected });
    }
    // The three valid values (and leaving it out) get past the check to the missing files.
    for (const verify of [true, 'size', false, undefined] as const) {
      await expect(loadDataset('cifar10', 'test', { dataDir, verify })).rejects.toBeInstanceOf(
        DataNotFoundError,
      );
    }
  });
  it('rejects a download, dataDir or baseUrl of the wrong kind, before looking for files', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sevar-options-'));
    tmps.push(dataDir);
    const cases: [string, object, string][] = [
      [
        'download',
        { dataDir, download: 'yes' },
        'download: expected true or false, received "yes"',
      ],
      ['dataDir', { dataDir: '' }, 'dataDir: expected a non-empty string, received ""'],
      ['dataDir', { dataDir: 7 }, 'dataDir: expected a non-empty string, received 7'],
      ['baseUrl', { dataDir, baseUrl: '' }, 'baseUrl: expected a non-empty string, received ""'],
    ];
    for (const [, options, message] of cases) {
      const viaRegistry = loadDataset('cifar10', 'test', options as never);
      await expect(viaRegistry).rejects.toThrow(`loadDataset: ${message}`);
      const direct = loadSvhn({ split: 'test', ...options } as never);
      await expect(direct).rejects.toThrow(`loadSvhn: ${message}`);
    }
    // Well-typed values get past the check to the missing files.
    await expect(
      loadDataset('cifar10', 'test', { dataDir, download: false, baseUrl: 'http://127.0.0.1:9/' }),
    ).rejects.toBeInstanceOf(DataNotFoundError);
  });
});
