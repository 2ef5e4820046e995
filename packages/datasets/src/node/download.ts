import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumError, DownloadError } from '../errors.js';
import { md5File } from './md5.js';
import { progressReporter } from './progress.js';
import type { ProgressOption, ProgressReporter } from './progress.js';

export interface DownloadOptions {
  url: string;
  /** Final path; written only by renaming a complete, verified `<dest>.part`. */
  dest: string;
  /** Expected hex MD5; a mismatch removes the `.part` download and throws {@link ChecksumError}. */
  md5?: string;
  /** Bar on stderr (`true`, default when stderr is a TTY), callback, or `false`. */
  progress?: ProgressOption;
  /** Extra attempts after an interruption, each resuming with an HTTP Range request; default 3. */
  retries?: number;
  /** Abort an attempt when no bytes arrive for this long; default 60 s. */
  idleTimeoutMs?: number;
  /** What to tell the user to do if it fails (e.g. where to put the file by hand). */
  hint?: string;
}

const sizeOf = async (p: string): Promise<number> => {
  try {
    return (await stat(p)).size;
  } catch {
    return -1;
  }
};

interface Response {
  res: http.IncomingMessage;
  url: string;
}

function get(
  url: string,
  headers: Record<string, string>,
  idleMs: number,
  redirects = 5,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { headers }, (res) => {
      const code = res.statusCode ?? 0;
      const loc = res.headers.location;
      if (code >= 300 && code < 400 && loc !== undefined) {
        res.resume();
        if (redirects <= 0) {
          reject(new Error(`too many redirects at ${url}`));
          return;
        }
        get(new URL(loc, url).toString(), headers, idleMs, redirects - 1).then(resolve, reject);
        return;
      }
      resolve({ res, url });
    });
    req.setTimeout(idleMs, () => req.destroy(new Error(`no data for ${idleMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * Downloads `url` to `dest` safely: bytes go to `<dest>.part`; an interrupted transfer is
 * resumed with `Range` (or restarted when the server ignores it); the MD5 is checked before
 * the rename. An existing `dest` is never touched (returns at once).
 */
export async function downloadFile(options: DownloadOptions): Promise<void> {
  // Concurrent calls for one destination in this process share one transfer.
  const running = inflight.get(options.dest);
  if (running !== undefined) return running;
  const p = download(options).finally(() => inflight.delete(options.dest));
  inflight.set(options.dest, p);
  return p;
}

const inflight = new Map<string, Promise<void>>();

/** How one attempt ended: `error` null on success; `final` when retrying cannot help. */
interface AttemptResult {
  error: unknown;
  final: boolean;
}

/**
 * One request for what `part` lacks: appends to it on 206, rewrites it on 200. A failed
 * transfer keeps the `.part`, so the next attempt resumes from it.
 */
async function attempt(
  url: string,
  part: string,
  idleMs: number,
  progress: ProgressReporter,
): Promise<AttemptResult> {
  const have = Math.max(0, await sizeOf(part));
  let response: Response;
  try {
    response = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {}, idleMs);
  } catch (err) {
    return { error: err, final: false };
  }
  const { res } = response;
  const code = res.statusCode ?? 0;
  let append = false;
  let total = Number(res.headers['content-length'] ?? NaN);
  if (code === 416 && have > 0) {
    // Nothing left to send: the partial file is already complete (verified below).
    res.resume();
    return { error: null, final: true };
  } else if (code === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)/.exec(String(res.headers['content-range'] ?? ''));
    if (m === null || Number(m[1]) !== have) {
      // A range we did not ask for: start over rather than splice wrong bytes.
      res.resume();
      await unlink(part).catch(() => undefined);
      const error = new Error(
        `server answered Range bytes=${have}- with ${String(res.headers['content-range'])}`,
      );
      return { error, final: false };
    }
    append = true;
    total = m[2] === '*' ? NaN : Number(m[2]);
  } else if (code !== 200) {
    res.resume();
    const error = new Error(`HTTP ${code} ${res.statusMessage ?? ''}`.trim());
    return { error, final: code >= 400 && code < 500 }; // a 4xx will not change on retry
  }
  let received = append ? have : 0;
  progress.start(received, total);
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      progress.update(received);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, count, createWriteStream(part, { flags: append ? 'a' : 'w' }));
    if (Number.isFinite(total) && received < total) {
      throw new Error(`connection closed after ${received} of ${total} bytes`);
    }
    return { error: null, final: true };
  } catch (err) {
    return { error: err, final: false };
  }
}

/** Checks the finished `.part` against the expected MD5 (removing it on a mismatch). */
async function verifyPart(options: DownloadOptions, part: string): Promise<void> {
  if (options.md5 === undefined) return;
  const got = await md5File(part);
  if (got !== options.md5.toLowerCase()) {
    await unlink(part).catch(() => undefined);
    throw new ChecksumError(
      options.dest,
      options.md5,
      got,
      `Downloaded from ${options.url} into ${part}, which was removed; try again or use a mirror.`,
    );
  }
}

async function download(options: DownloadOptions): Promise<void> {
  const { url, dest } = options;
  if ((await sizeOf(dest)) >= 0) return;
  const part = `${dest}.part`;
  const retries = options.retries ?? 3;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const hint = options.hint === undefined ? '' : ` ${options.hint}`;
  await mkdir(dirname(dest), { recursive: true });
  const progress = progressReporter(dest, options.progress);
  let lastError: unknown = null;
  try {
    for (let i = 0; i <= retries; i++) {
      const result = await attempt(url, part, idleMs, progress);
      lastError = result.error;
      if (result.final) break;
    }
  } finally {
    progress.stop();
  }
  if (lastError !== null) {
    const kept = await sizeOf(part);
    throw new DownloadError(
      url,
      dest,
      `could not download ${url} to ${dest}: ${(lastError as Error).message}` +
        (kept > 0 ? ` (${kept} bytes kept in ${part}; the next download resumes from it)` : '') +
        `.${hint}`,
      { cause: lastError },
    );
  }
  await verifyPart(options, part);
  await rename(part, dest);
}
