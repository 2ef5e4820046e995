import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type * as fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { quadrants, tinyModel } from './__fixtures__/tiny.js';
import { loadLatestCheckpoint } from './checkpoint.js';
import { CheckpointWriteError, FileWriteError } from './io-errors.js';
import { createOptimizer } from './optimizers.js';
import { train } from './train.js';

/** Files whose writes fail with ENOSPC, as on a full disk. */
const full = { match: null as RegExp | null };

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>();
  const enospc = () =>
    // Like a real failed write, the error names no file.
    Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      errno: -28,
      syscall: 'write',
    });
  const open = async (...args: Parameters<typeof actual.open>) => {
    const handle = await actual.open(...args);
    const path = String(args[0]);
    if (full.match === null || !full.match.test(path)) return handle;
    return Object.assign(Object.create(handle) as fsPromises.FileHandle, {
      writeFile: () => Promise.reject(enospc()),
      sync: () => handle.sync(),
      close: () => handle.close(),
    });
  };
  return { ...actual, open, default: { ...actual, open } };
});

const dirs: string[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const run = (dir: string, onEpochEnd: (epoch: number) => void) =>
  train({
    model: tinyModel(2),
    data: { train: quadrants({ numExamples: 32, batchSize: 16, seed: 1 }) },
    optimizer: createOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9 }),
    epochs: 3,
    seed: 1,
    checkpointDir: dir,
    progress: false,
    onEpochEnd: ({ epoch }) => onEpochEnd(epoch),
  });

describe('a disk that fills up while a checkpoint is written', () => {
  it.each([
    ['weights.bin', /\/weights\.bin$/],
    ['manifest.json', /\/manifest\.json$/],
    ['latest', /\/latest\.tmp-/],
  ])(
    'failing on %s: a CheckpointWriteError names the file, and the previous checkpoint loads',
    async (name, pattern) => {
      const dir = mkdtempSync(join(tmpdir(), 'sevar-enospc-'));
      dirs.push(dir);
      // Epoch 1's checkpoint is written normally; the disk is full from epoch 2 on.
      const error = await run(dir, (epoch) => {
        if (epoch === 1) full.match = pattern;
      })
        .catch((e: unknown) => e)
        .finally(() => {
          full.match = null;
        });
      expect(error).toBeInstanceOf(CheckpointWriteError);
      const e = error as CheckpointWriteError;
      const previous = join(dir, 'ckpt-000001');
      expect(e.file).toBe(name === 'latest' ? join(dir, 'latest') : join(dir, 'ckpt-000002', name));
      expect(e.code).toBe('ENOSPC');
      expect(e.previous).toBe(previous);
      expect(e.hintOption).toEqual({ option: 'resume', value: true });
      expect(e.message).toContain(`cannot write checkpoint file ${e.file}: ENOSPC`);
      expect(e.message).toContain(`The previous checkpoint ${previous} is intact`);

      const loaded = await loadLatestCheckpoint(dir, () => {
        throw new Error('no fallback expected: latest still names the intact checkpoint');
      });
      expect(loaded!.path).toBe(previous);
      expect(loaded!.manifest.state.epoch).toBe(1);
      tf.dispose([...loaded!.modelWeights, ...loaded!.optimizerWeights.map((w) => w.tensor)]);
      // No temp files or directories are left behind.
      expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
      if (name !== 'latest') expect(existsSync(join(dir, 'ckpt-000002'))).toBe(false);
    },
  );

  it('a failing log write names the log file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sevar-enospc-'));
    dirs.push(dir);
    const logFile = join(dir, 'metrics.jsonl');
    // A directory where the log should be: appending to it fails on every platform.
    mkdirSync(logFile);
    const error = await train({
      model: tinyModel(2),
      data: { train: quadrants({ numExamples: 16, batchSize: 16, seed: 1 }) },
      optimizer: createOptimizer({ name: 'sgd', lr: 0.05 }),
      epochs: 1,
      logFile,
      progress: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileWriteError);
    expect((error as FileWriteError).file).toBe(logFile);
    expect((error as FileWriteError).code).toBe('EISDIR');
    expect((error as Error).message).toContain(`cannot write log file ${logFile}: EISDIR`);
  });
});
