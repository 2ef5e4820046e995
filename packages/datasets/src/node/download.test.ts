import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChecksumError, DownloadError } from '../errors.js';
import { downloadFile } from './download.js';
import { formatBytes } from './progress.js';
import type { ProgressInfo } from './progress.js';
import { loadSvhn } from './svhn.js';

const payload = randomBytes(300_000);
const md5 = createHash('md5').update(payload).digest('hex');

type Mode =
  'ok' | 'cut-once' | 'cut-always' | 'ignore-range' | 'wrong-bytes' | 'missing' | 'redirect';
let mode: Mode = 'ok';
let requests: { url: string; range: string | undefined }[] = [];
let served = 0;
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', range: req.headers.range });
    served++;
    if (mode === 'missing') {
      res.writeHead(404).end('no');
      return;
    }
    if (mode === 'redirect' && req.url === '/moved.bin') {
      res.writeHead(302, { location: '/file.bin' }).end();
      return;
    }
    const body = mode === 'wrong-bytes' ? Buffer.from(payload).fill(7, 1000, 1001) : payload;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (m !== null && mode !== 'ignore-range') {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else {
      res.writeHead(200, { 'content-length': body.length });
    }
    const cut = mode === 'cut-always' || (mode === 'cut-once' && served === 1);
    if (cut) {
      // Send part of the body, then drop the connection mid-transfer.
      res.write(body.subarray(start, start + 100_000), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sevar-dl-'));
  mode = 'ok';
  requests = [];
  served = 0;
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('downloadFile', () => {
  it('downloads, verifies and renames; reports progress', async () => {
    const dest = join(dir, 'sub', 'file.bin');
    const seen: ProgressInfo[] = [];
    await downloadFile({ url: `${base}/file.bin`, dest, md5, progress: (p) => seen.push(p) });
    expect(readFileSync(dest).equals(payload)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(seen.at(-1)).toEqual({ file: dest, received: payload.length, total: payload.length });
  });

  it('concurrent calls for one destination share one transfer', async () => {
    const dest = join(dir, 'file.bin');
    await Promise.all(
      [1, 2, 3].map(() => downloadFile({ url: `${base}/file.bin`, dest, md5, progress: false })),
    );
    expect(served).toBe(1);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('follows redirects', async () => {
    mode = 'redirect';
    const dest = join(dir, 'file.bin');
    await downloadFile({ url: `${base}/moved.bin`, dest, md5, progress: false });
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('an interrupted transfer leaves nothing under the final name, then resumes with Range', async () => {
    mode = 'cut-always';
    const dest = join(dir, 'file.bin');
    const err = await downloadFile({
      url: `${base}/file.bin`,
      dest,
      md5,
      retries: 1,
      progress: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).file).toBe(dest);
    expect((err as Error).message).toContain(`${dest}.part`);
    expect(existsSync(dest)).toBe(false);
    const partial = readFileSync(`${dest}.part`).length;
    expect(partial).toBeGreaterThanOrEqual(100_000);
    expect(partial).toBeLessThan(payload.length);
    expect(requests[1]!.range).toBe('bytes=100000-'); // the retry already resumed

    mode = 'ok';
    requests = [];
    await downloadFile({ url: `${base}/file.bin`, dest, md5, progress: false });
    expect(requests.map((r) => r.range)).toEqual([`bytes=${partial}-`]);
    expect(readFileSync(dest).equals(payload)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('recovers from one interruption within a call (retry resumes)', async () => {
    mode = 'cut-once';
    const dest = join(dir, 'file.bin');
    await downloadFile({ url: `${base}/file.bin`, dest, md5, progress: false });
    expect(requests.map((r) => r.range)).toEqual([undefined, 'bytes=100000-']);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('a complete .part left by a crash before the rename is verified and renamed (416)', async () => {
    const dest = join(dir, 'file.bin');
    writeFileSync(`${dest}.part`, payload);
    await downloadFile({ url: `${base}/file.bin`, dest, md5, progress: false });
    expect(requests.map((r) => r.range)).toEqual([`bytes=${payload.length}-`]);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('restarts cleanly when the server ignores Range', async () => {
    mode = 'ignore-range';
    const dest = join(dir, 'file.bin');
    writeFileSync(`${dest}.part`, Buffer.alloc(5000, 1)); // stale partial data
    await downloadFile({ url: `${base}/file.bin`, dest, md5, progress: false });
    expect(requests[0]!.range).toBe('bytes=5000-');
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  it('a wrong MD5 throws ChecksumError and leaves neither the final file nor the .part', async () => {
    mode = 'wrong-bytes';
    const dest = join(dir, 'file.bin');
    const err = await downloadFile({ url: `${base}/file.bin`, dest, md5, progress: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as ChecksumError).file).toBe(dest);
    expect((err as ChecksumError).expected).toBe(md5);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it("never touches a user's existing file", async () => {
    const dest = join(dir, 'file.bin');
    writeFileSync(dest, 'mine');
    await downloadFile({ url: `${base}/file.bin`, dest, md5, progress: false });
    expect(readFileSync(dest, 'utf8')).toBe('mine');
    expect(served).toBe(0);
  });

  it('HTTP 404 and a refused connection are DownloadErrors with the hint, no file left', async () => {
    mode = 'missing';
    const dest = join(dir, 'file.bin');
    await expect(
      downloadFile({ url: `${base}/file.bin`, dest, progress: false, hint: 'Put file.bin in X.' }),
    ).rejects.toThrow(/HTTP 404.*Put file.bin in X\./);
    expect(served).toBe(1); // a 4xx is not retried
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await downloadFile({
      url: `http://127.0.0.1:${port}/x`,
      dest,
      retries: 0,
      progress: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });
});

describe('loaders with download: true', () => {
  it('fetch from baseUrl and refuse a file whose MD5 is not the official one', async () => {
    const err = await loadSvhn({
      split: 'test',
      dataDir: dir,
      download: true,
      baseUrl: `${base}/`,
      progress: false,
    }).catch((e: unknown) => e);
    expect(requests[0]!.url).toBe('/test_32x32.mat');
    expect(err).toBeInstanceOf(ChecksumError);
    expect(existsSync(join(dir, 'test_32x32.mat'))).toBe(false);
    expect(existsSync(join(dir, 'test_32x32.mat.part'))).toBe(false);
  });
});

describe('formatBytes', () => {
  it('uses decimal units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(170_052_171)).toBe('170.1 MB');
    expect(formatBytes(1_329_278_602)).toBe('1.3 GB');
    expect(formatBytes(NaN)).toBe('?');
  });
});
