import { open, rename, rm } from 'node:fs/promises';

/** Writes a file and flushes it to disk before returning. */
export async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory entry list (so a rename inside it survives a crash). */
export async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `<dir>/<name>` atomically: temp file + fsync + rename + directory fsync. On failure the
 * temp file is removed and the file keeps its old content.
 */
export async function writeFileAtomic(
  dir: string,
  name: string,
  data: Uint8Array | string,
): Promise<void> {
  const tmp = `${dir}/${name}.tmp-${process.pid}`;
  try {
    await writeFileSynced(tmp, data);
    await rename(tmp, `${dir}/${name}`);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => {
      // Best effort: the write error is the one to report; a stray temp file is never read.
    });
    throw error;
  }
  await syncDir(dir);
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
