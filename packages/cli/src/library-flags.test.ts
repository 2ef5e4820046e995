import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCifar10 } from '@sevar/datasets/node';
import { createModel } from '@sevar/models';
import {
  BackendOutOfMemoryError,
  CheckpointWriteError,
  NonFiniteLossError,
  NoUsableCheckpointError,
} from '@sevar/trainer';
import { describe, expect, it } from 'vitest';
import { tempDir } from './__tests__/helpers.js';
import { UsageError } from './errors.js';
import { cliMessage, cliText } from './library-flags.js';

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

  it('other mentions of the options become flags too', () => {
    expect(cliMessage('(download: true fetches the archive), or verify: false; see dataDir')).toBe(
      '(leaving out --no-download fetches the archive), or --no-verify; see --data-dir',
    );
  });

  it('a model option gets the flag that sets it', async () => {
    const raw = await messageOf(() =>
      createModel('cnn3', { numClasses: 10, inputShape: [8, 8, 3] }),
    );
    expect(cliMessage(raw)).toContain("cnn3: option 'inputShape' (--image-size)");
    expect(cliMessage("option 'placement' is unknown")).toBe("option 'placement' is unknown");
  });
});

describe('hint options of library errors as flags', () => {
  it('out of memory: the smaller batch as --batch-size', () => {
    const e = new BackendOutOfMemoryError('wasm', 64, new RangeError('out of memory'));
    expect(e.message).toContain('batchSize: 32'); // the library's own advice
    const text = cliText(e);
    expect(text).toMatch(
      /^backend 'wasm' ran out of memory .* batch size 64 .*Use a smaller batch size, e\.g\. --batch-size 32\.$/,
    );
    expect(text).not.toContain('batchSize');
  });

  it('unreadable checkpoints: --fresh; a failed checkpoint write: the same command again', () => {
    const none = cliText(
      new NoUsableCheckpointError('/r/checkpoints', [
        { path: '/r/checkpoints/ckpt-000001', reason: 'bad' },
      ]),
    );
    expect(none).toContain('/r/checkpoints');
    expect(none).toMatch(/Pass --fresh to start the run over \(it replaces them\)\.$/);
    expect(none).not.toContain('resume: false');
    const write = cliText(
      new CheckpointWriteError('/r/c/ckpt-000002', '/r/c/ckpt-000001', new Error('ENOSPC')),
    );
    expect(write).toMatch(/Free space and run the same command again to resume from it\.$/);
    expect(write).not.toContain('resume: true');
  });

  it('a non-finite loss: half the learning rate as --lr', () => {
    const e = new NonFiniteLossError(1, 4, NaN, null, 0.1);
    expect(e.message).toContain('lr: 0.05'); // the library's own advice
    const text = cliText(e);
    expect(text).toMatch(
      /^training loss became NaN at epoch 1, step 4; .*Lower the learning rate, e\.g\. --lr 0\.05, or check the data\.$/,
    );
    expect(text).not.toContain('lr:');
    // Without a known rate there is no value to suggest: the library's words stay.
    expect(cliText(new NonFiniteLossError(1, 4, NaN, null))).toMatch(
      /Lower the learning rate or check the data\.$/,
    );
  });

  it('out of memory while evaluating: the smaller batch as --batch-size', () => {
    const e = new BackendOutOfMemoryError('wasm', 100, new Error('OOM'), 'evaluation');
    expect(cliText(e)).toMatch(
      /during evaluation with batch size 100 .*Use a smaller batch size, e\.g\. --batch-size 50\.$/,
    );
  });

  it("the CLI's own errors and others keep their text, on one line", () => {
    expect(cliText(new UsageError('--lr', 'a number > 0', -1))).toBe(
      '--lr: expected a number > 0, received -1',
    );
    expect(cliText(new Error('a\n  b'))).toBe('a b');
  });
});
