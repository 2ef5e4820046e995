import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';

/** The lock file sevar keeps in an output folder while a command writes there. */
export const LOCK_FILE = 'sevar.lock';

/** Another live process writes to the folder now. */
export class FolderLockedError extends CliError {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `${dir} is in use by another sevar process (pid ${pid}, lock file ${join(dir, LOCK_FILE)})`,
      1,
      {
        subject: dir,
        hint: 'Wait for it to finish or stop it, or pass another --out.',
      },
    );
    this.name = 'FolderLockedError';
  }
}

export interface FolderLock {
  readonly path: string;
  /** Removes the lock file if it still holds this process's pid. */
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ensureFolder(dir: string, flag: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
  }
  if (!(await stat(dir)).isDirectory()) {
    throw new CliError(`${flag}: expected a folder, received the file ${dir}`, 2, { subject: dir });
  }
}

/** Creates the lock file (O_EXCL) holding our pid; false when it exists already. */
async function tryCreate(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(`${process.pid}\n`);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function holder(path: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Takes the lock of the output folder `dir` (creating the folder). A lock left by a process that
 * no longer runs is taken over; one held by a live process throws {@link FolderLockedError}.
 */
export async function lockFolder(dir: string, flag = '--out'): Promise<FolderLock> {
  await ensureFolder(dir, flag);
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path)) {
      return {
        path,
        async release() {
          if ((await holder(path)) === process.pid) await rm(path, { force: true });
        },
      };
    }
    const pid = await holder(path);
    if (pid !== null && isAlive(pid)) throw new FolderLockedError(dir, pid);
    await rm(path, { force: true }); // stale: its process is gone (or it never got a pid)
  }
  throw new FolderLockedError(dir, (await holder(path)) ?? 0);
}

/** Runs `fn` holding the lock of `dir`. */
export async function withFolderLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = await lockFolder(dir);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
