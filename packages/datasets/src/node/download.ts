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
import type { ProgressOption } from './progress.js';

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
    for (let attempt = 0; attempt <= retries; attempt++) {
      const have = Math.max(0, await sizeOf(part));
      let response: Response;
      try {
        response = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {}, idleMs);
      } catch (err) {
        lastError = err;
        continue;
      }
      const { res } = response;
      const code = res.statusCode ?? 0;
      let append = false;
      let total = Number(res.headers['content-length'] ?? NaN);
      if (code === 416 && have > 0) {
        // Nothing left to send: the partial file is already complete (verified below).
        res.resume();
        lastError = null;
        break;
      } else if (code === 206) {
        const m = /^bytes (\d+)-\d+\/(\d+|\*)/.exec(String(res.headers['content-range'] ?? ''));
        if (m === null || Number(m[1]) !== have) {
          // A range we did not ask for: start over rather than splice wrong bytes.
          res.resume();
          await unlink(part).catch(() => undefined);
          lastError = new Error(
            `server answered Range bytes=${have}- with ${String(res.headers['content-range'])}`,
          );
          continue;
        }
        append = true;
        total = m[2] === '*' ? NaN : Number(m[2]);
      } else if (code !== 200) {
        res.resume();
        lastError = new Error(`HTTP ${code} ${res.statusMessage ?? ''}`.trim());
        if (code >= 400 && code < 500) break; // will not change on retry
        continue;
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
        lastError = null;
        break;
      } catch (err) {
        lastError = err; // keep the .part: the next attempt resumes from it
      }
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
  if (options.md5 !== undefined) {
    const got = await md5File(part);
    if (got !== options.md5.toLowerCase()) {
      await unlink(part).catch(() => undefined);
      throw new ChecksumError(
        dest,
        options.md5,
        got,
        `Downloaded from ${url} into ${part}, which was removed; try again or use a mirror.`,
      );
    }
  }
  await rename(part, dest);
}
