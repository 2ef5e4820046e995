import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../__tests__/helpers.js';
import { FolderLockedError, LOCK_FILE, lockFolder } from './lock.js';

/** The pid of a process that has exited (so no live process holds it now). */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

describe('output folder lock', () => {
  it('holds our pid while taken, refuses a second taker naming folder and pid, and is released', async () => {
    const dir = join(await tempDir('lock'), 'out');
    const lock = await lockFolder(dir);
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    const error = await lockFolder(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FolderLockedError);
    expect((error as FolderLockedError).pid).toBe(process.pid);
    expect((error as Error).message).toBe(
      `${dir} is in use by another sevar process (pid ${process.pid}, lock file ${join(dir, LOCK_FILE)}). ` +
        'Wait for it to finish or stop it, or pass another --out.',
    );
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await (await lockFolder(dir)).release();
  });

  it('takes over the lock of a process that is gone, and an empty one', async () => {
    const dir = await tempDir('stale');
    const pid = await deadPid();
    await writeFile(join(dir, LOCK_FILE), `${pid}\n`);
    const lock = await lockFolder(dir);
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
    await writeFile(join(dir, LOCK_FILE), '');
    await (await lockFolder(dir)).release();
  });

  it('does not remove a lock another process took over', async () => {
    const dir = await tempDir('taken');
    const lock = await lockFolder(dir);
    await writeFile(join(dir, LOCK_FILE), '1\n'); // pid 1 is always alive
    await lock.release();
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe('1\n');
  });

  it('refuses a file as the folder', async () => {
    const file = join(await tempDir('lock-file'), 'x.txt');
    await writeFile(file, 'x');
    await expect(lockFolder(file)).rejects.toThrow(
      `--out: expected a folder, received the file ${file}`,
    );
    expect(await readFile(file, 'utf8')).toBe('x');
  });
});
