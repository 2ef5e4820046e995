import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCifar10 } from '@sevar/datasets/node';
import { createModel } from '@sevar/models';
import { describe, expect, it } from 'vitest';
import { tempDir } from './__tests__/helpers.js';
import { cliMessage } from './library-flags.js';

async function messageOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('library messages in command-line terms', () => {
  it('a dataset checksum mismatch says --no-verify, not verify: false', async () => {
    const dir = await tempDir('md5');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'cifar-10-binary.tar.gz'), 'not the archive');
    const raw = await messageOf(loadCifar10({ split: 'test', dataDir: dir }));
    expect(raw).toContain('verify: false'); // the library's own advice
    const cli = cliMessage(raw);
    expect(cli).toContain('pass --no-verify to use it anyway');
    expect(cli).not.toContain('verify: false');
  });

  it('a missing dataset says --data-dir and --no-download', async () => {
    const dir = await tempDir('missing');
    const cli = cliMessage(await messageOf(loadCifar10({ split: 'test', dataDir: dir })));
    expect(cli).toMatch(/Leave out --no-download, or: Put cifar-10-binary\.tar\.gz/);
    expect(cli).toContain('or pass --data-dir pointing at the directory that holds it');
  });

  it('a model option gets the flag that sets it', async () => {
    const raw = await messageOf(() =>
      createModel('cnn3', { numClasses: 10, inputShape: [8, 8, 3] }),
    );
    expect(cliMessage(raw)).toContain("cnn3: option 'inputShape' (--image-size)");
    expect(cliMessage("option 'placement' is unknown")).toBe("option 'placement' is unknown");
  });
});
