import { access, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import {
  ChecksumError,
  DataFormatError,
  DataNotFoundError,
  DatasetOptionError,
} from '../errors.js';
import { defaultDataDir } from './cache-dir.js';
import { downloadFile } from './download.js';
import { md5File } from './md5.js';
import type { ProgressOption } from './progress.js';
import { fileUrl } from './sources.js';
import type { DataFile } from './sources.js';

/** Options shared by the real loaders. */
export interface SourceOptions {
  /** Directory holding the official file (archive or extracted); default {@link defaultDataDir}. */
  dataDir?: string;
  /** Fetch missing files from the official URL (or `baseUrl`); default false. */
  download?: boolean;
  /**
   * Check that the files are the official ones: `true` (default) checks the MD5 of archives and
   * `.mat` files and the exact byte size of every extracted CIFAR record file; `'size'` checks
   * only the sizes (e.g. an archive recompressed by a mirror); `false` checks nothing.
   */
  verify?: boolean | 'size';
  /** Download progress: bar on stderr (default when a TTY), a callback, or false. */
  progress?: ProgressOption;
  /** A mirror serving the same file names. */
  baseUrl?: string;
}

/** The values `verify` takes. */
export const VERIFY_MODES: readonly (boolean | 'size')[] = [true, 'size', false];

/**
 * Rejects source options of the wrong kind: a `verify` other than `true`, `'size'` or `false`
 * (a typo such as `'sizes'` would otherwise quietly skip the MD5 checks), a `download` that is
 * not a boolean (`'yes'` would read as "do not download"), and a `dataDir` or `baseUrl` that is
 * not a non-empty string. `fn` is the function the caller called.
 */
export function checkSourceOptions(fn: string, options: SourceOptions): void {
  const { verify, download, dataDir, baseUrl } = options;
  const fail = (option: string, expected: string, received: unknown): never => {
    throw new DatasetOptionError({ subject: `${fn}: ${option}`, expected, received });
  };
  if (verify !== undefined && !VERIFY_MODES.includes(verify)) {
    fail('verify', "true (the default), 'size' or false", verify);
  }
  if (download !== undefined && typeof download !== 'boolean') {
    fail('download', 'true or false', download);
  }
  for (const [option, value] of [
    ['dataDir', dataDir],
    ['baseUrl', baseUrl],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      fail(option, 'a non-empty string', value);
    }
  }
}

export const exists = async (p: string): Promise<boolean> => {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
};

const isFile = async (p: string): Promise<boolean> => {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
};

function placeHint(f: DataFile, dir: string): string {
  return (
    `Put ${f.file} (${f.bytes.toLocaleString('en-US')} bytes, md5 ${f.md5}, from ${f.url}) ` +
    `in ${dir}${f.folder !== undefined ? ` (or its extracted ${f.folder}/ folder)` : ''}, ` +
    `or pass dataDir pointing at the directory that holds it.`
  );
}

/** Whether `options` ask for MD5 checks. */
const checksMd5 = (options: SourceOptions): boolean =>
  options.verify === undefined || options.verify === true;

/** Files already verified in this process, keyed by path, size and mtime (no re-hashing). */
const verified = new Set<string>();

async function verifyFile(path: string, f: DataFile): Promise<void> {
  const st = await stat(path);
  const key = `${path}\0${st.size}\0${st.mtimeMs}`;
  if (verified.has(key)) return;
  const got = await md5File(path);
  if (got !== f.md5) {
    throw new ChecksumError(
      path,
      f.md5,
      got,
      `Expected the official ${f.file}; the file was left in place. Delete it and load again ` +
        'with download: true, or pass verify: false to use it anyway.',
    );
  }
  verified.add(key);
}

/** Returns the path of a single-file dataset file (SVHN), downloading it if asked. */
export async function ensureFile(f: DataFile, options: SourceOptions): Promise<string> {
  const dir = options.dataDir ?? defaultDataDir();
  const path = join(dir, f.file);
  if (!(await isFile(path))) {
    if (options.download !== true) {
      throw new DataNotFoundError(
        path,
        `${path} not found. Pass download: true, or: ${placeHint(f, dir)}`,
      );
    }
    await downloadFile({
      url: fileUrl(f, options.baseUrl),
      dest: path,
      md5: f.md5,
      progress: options.progress,
      hint: placeHint(f, dir),
    });
    return path; // verified while downloading
  }
  if (checksMd5(options)) await verifyFile(path, f);
  return path;
}

/** Extracts `archive` into `dir/<folder>` through a temporary directory, so a half extraction never looks complete. */
async function extract(
  archive: string,
  f: DataFile & { folder: string },
  dir: string,
): Promise<void> {
  const tmp = await mkdtemp(join(dir, '.sevar-extract-'));
  try {
    try {
      await tar.x({ file: archive, cwd: tmp, strict: true });
    } catch (err) {
      throw new DataFormatError(
        archive,
        `cannot extract the .tar.gz archive: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (!(await exists(join(tmp, f.folder)))) {
      const found = await readdir(tmp);
      throw new DataFormatError(
        archive,
        `expected the archive to contain ${f.folder}/, found [${found.join(', ')}]`,
      );
    }
    try {
      await rename(join(tmp, f.folder), join(dir, f.folder));
    } catch (err) {
      // Another process extracted it first: theirs is as good as ours.
      if (!(await exists(join(dir, f.folder)))) throw err;
    }
  } finally {
    // tar may still be closing files when it rejects; retry, and never mask the real error.
    await rm(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }).catch(
      () => undefined,
    );
  }
}

/**
 * Returns the directory that holds every one of `files` for an archive dataset (CIFAR):
 * `dataDir/<folder>/`, or `dataDir` itself when it is the extracted folder; else extracts
 * `dataDir/<archive>` (downloading it first if asked).
 */
export async function ensureExtracted(
  f: DataFile & { folder: string },
  files: readonly string[],
  options: SourceOptions,
): Promise<string> {
  const dir = options.dataDir ?? defaultDataDir();
  for (const d of [join(dir, f.folder), dir]) {
    const present = await Promise.all(files.map((x) => isFile(join(d, x))));
    if (present.every(Boolean)) return d;
  }
  const archive = join(dir, f.file);
  if (await isFile(archive)) {
    if (checksMd5(options)) await verifyFile(archive, f);
  } else if (options.download === true) {
    await downloadFile({
      url: fileUrl(f, options.baseUrl),
      dest: archive,
      md5: f.md5,
      progress: options.progress,
      hint: placeHint(f, dir),
    });
  } else {
    throw new DataNotFoundError(
      archive,
      `${f.file} not found: looked for ${join(dir, f.folder, files[0] ?? '')} (and the rest of ` +
        `${files.join(', ')}) and for ${archive}. Pass download: true, or: ${placeHint(f, dir)}`,
    );
  }
  const target = join(dir, f.folder);
  // Concurrent loads (e.g. train and test at once) share one extraction.
  const running = extracting.get(target);
  if (running !== undefined) {
    await running;
    return target;
  }
  if (await exists(target)) {
    const missing: string[] = [];
    for (const x of files) if (!(await isFile(join(target, x)))) missing.push(x);
    throw new DataNotFoundError(
      join(target, missing[0] ?? ''),
      `${target} exists but lacks ${missing.join(', ')}; it was not modified. Remove or complete ` +
        `it so ${archive} can be extracted there.`,
    );
  }
  const p = extract(archive, f, dir).finally(() => extracting.delete(target));
  extracting.set(target, p);
  await p;
  return target;
}

const extracting = new Map<string, Promise<void>>();
