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

/** Replaces `path` atomically: temp file + fsync + rename + directory fsync. */
export async function writeFileAtomic(dir: string, name: string, data: string): Promise<void> {
  const tmp = `${dir}/${name}.tmp-${process.pid}`;
  await writeFileSynced(tmp, data);
  await rename(tmp, `${dir}/${name}`);
  await syncDir(dir);
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
