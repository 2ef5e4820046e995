import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumError } from '../errors.js';
import { ensureExtracted, ensureFile } from './locate.js';
import type { DataFile } from './sources.js';

const FIX = join(import.meta.dirname, '__fixtures__');
const tmps: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sevar-locate-'));
  tmps.push(d);
  return d;
};
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

let server: http.Server;
let base = '';
let archive: Buffer;
beforeAll(async () => {
  const d = tmp();
  execFileSync('tar', [
    'czf',
    join(d, 'a.tar.gz'),
    '-C',
    join(FIX, 'cifar'),
    'cifar-10-batches-bin',
  ]);
  archive = readFileSync(join(d, 'a.tar.gz'));
  server = http.createServer((req, res) => {
    if (req.url === '/mirror/cifar-10-binary.tar.gz') res.writeHead(200).end(archive);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  for (const d of tmps) rmSync(d, { recursive: true, force: true });
});

describe('ensureExtracted', () => {
  it('downloads an archive from a mirror, verifies its MD5, extracts it', async () => {
    const f = {
      file: 'cifar-10-binary.tar.gz',
      url: 'https://example.invalid/cifar-10-binary.tar.gz',
      bytes: archive.length,
      md5: md5(archive),
      folder: 'cifar-10-batches-bin',
    };
    const d = tmp();
    const dir = await ensureExtracted(f, ['test_batch.bin'], {
      dataDir: d,
      download: true,
      baseUrl: `${base}/mirror`,
      progress: false,
    });
    expect(dir).toBe(join(d, 'cifar-10-batches-bin'));
    expect(readdirSync(d).sort()).toEqual(['cifar-10-batches-bin', 'cifar-10-binary.tar.gz']);
    expect(
      readFileSync(join(dir, 'test_batch.bin')).equals(
        readFileSync(join(FIX, 'cifar', 'cifar-10-batches-bin', 'test_batch.bin')),
      ),
    ).toBe(true);
  });
});

describe('ensureFile', () => {
  it('accepts a file whose MD5 matches, and re-checks it once it changes', async () => {
    const src = join(FIX, 'mat', 'crafted_svhn_le_z.mat');
    const f: DataFile = {
      file: 'test_32x32.mat',
      url: 'https://example.invalid/test_32x32.mat',
      bytes: 1,
      md5: md5(readFileSync(src)),
    };
    const d = tmp();
    copyFileSync(src, join(d, f.file));
    expect(await ensureFile(f, { dataDir: d })).toBe(join(d, f.file));
    expect(await ensureFile(f, { dataDir: d })).toBe(join(d, f.file));
    appendFileSync(join(d, f.file), 'x');
    await expect(ensureFile(f, { dataDir: d })).rejects.toBeInstanceOf(ChecksumError);
  });
});
