// What `train` reads and writes on disk: the checkpoint it resumes from, one checkpoint per epoch
// and the JSON-lines log. Node only; `train` imports it when given `checkpointDir` or `logFile`.
import { appendFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  type CheckpointState,
  checkpointDirName,
  loadLatestCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
import { FileWriteError } from './io-errors.js';
import type { EpochRecord } from './types.js';

export interface Resumed {
  state: CheckpointState;
  /** The checkpoint directory restored. */
  path: string;
}

/**
 * Restores the newest readable checkpoint of `dir` into the model and optimizer; null when `dir`
 * holds none. Throws `NoUsableCheckpointError` when it holds some and none reads.
 */
export async function resumeFromCheckpoint(
  dir: string,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  onWarning: (message: string) => void,
): Promise<Resumed | null> {
  const loaded = await loadLatestCheckpoint(dir, onWarning);
  if (loaded === null) return null;
  await restoreCheckpoint(loaded, model, optimizer);
  return { state: loaded.manifest.state, path: loaded.path };
}

/**
 * Writes the checkpoint of `state.epoch` and removes older ones except `lastCheckpoint` (so a
 * corrupted newest one still has a predecessor). Resolves to its path; a failed write throws
 * `CheckpointWriteError` and leaves `lastCheckpoint` intact.
 */
export async function writeCheckpoint(
  dir: string,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  state: CheckpointState,
  lastCheckpoint: string | null,
): Promise<string> {
  const keep = lastCheckpoint === null ? [] : [basename(lastCheckpoint)];
  return saveCheckpoint(
    dir,
    model,
    optimizer,
    state,
    keep.filter((name) => name !== checkpointDirName(state.epoch)),
  );
}

/** Appends the epoch's record, with the time, as one JSON line; `FileWriteError` if it fails. */
export async function appendLogLine(file: string, record: EpochRecord): Promise<void> {
  try {
    await appendFile(file, `${JSON.stringify({ ...record, time: new Date().toISOString() })}\n`);
  } catch (cause) {
    throw new FileWriteError(file, 'log', cause);
  }
}
