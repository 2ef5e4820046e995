import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { removeDir, syncDir, writeFileAtomic, writeFileSynced } from './atomic-fs.js';
import { CheckpointError } from './errors.js';
import {
  type CheckpointAttempt,
  CheckpointWriteError,
  NoUsableCheckpointError,
} from './io-errors.js';
import type { RngState } from './rng.js';
import type { EpochRecord, NamedTensor } from './types.js';

export const CHECKPOINT_FORMAT = 'sevar-checkpoint-1';
const LATEST = 'latest';
const DIR_PATTERN = /^ckpt-(\d+)$/;

/** Everything besides tensors that a resumed run needs. */
export interface CheckpointState {
  /** Completed epochs. */
  epoch: number;
  /** Optimizer steps taken so far. */
  globalStep: number;
  /** State of the trainer's PRNG after the last completed epoch. */
  rng: RngState;
  history: EpochRecord[];
  optimizer: { className: string; config: unknown };
}

export interface CheckpointTensorEntry {
  group: 'model' | 'optimizer';
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  byteLength: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  state: CheckpointState;
  tensors: CheckpointTensorEntry[];
  weightsSha256: string;
}

export interface LoadedCheckpoint {
  path: string;
  manifest: CheckpointManifest;
  /** In `model.weights` order; the caller disposes them. */
  modelWeights: tf.Tensor[];
  /** The caller disposes the tensors. */
  optimizerWeights: NamedTensor[];
}

export function checkpointDirName(epoch: number): string {
  return `ckpt-${String(epoch).padStart(6, '0')}`;
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function tensorBytes(
  t: tf.Tensor,
): Promise<{ dtype: 'float32' | 'int32'; bytes: Uint8Array }> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw new CheckpointError('(save)', `expected float32 or int32 tensors, received ${t.dtype}`);
  }
  const data = (await t.data()) as Float32Array | Int32Array;
  return { dtype: t.dtype, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Writes `<dir>/ckpt-<epoch>` atomically (files written and fsynced in a temp directory that is
 * renamed into place), then points `<dir>/latest` at it, then removes checkpoints other than this
 * one and `keep - 1` predecessors written by the same run. A kill at any moment leaves `latest`
 * naming a complete checkpoint. A failed write (disk full) throws `CheckpointWriteError` naming
 * the file, removes the temp directory and leaves the checkpoint `latest` named untouched.
 */
export async function saveCheckpoint(
  dir: string,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  state: CheckpointState,
  keepAlso: readonly string[] = [],
): Promise<string> {
  const { weights, manifest } = await serialize(model, optimizer, state);
  const name = checkpointDirName(state.epoch);
  const target = `${dir}/${name}`;
  const tmp = `${dir}/.${name}.tmp-${process.pid}`;
  const previous = await latestCheckpointPath(dir);
  const step = async (file: string, write: () => Promise<void>): Promise<void> => {
    try {
      await write();
    } catch (cause) {
      await removeDir(tmp).catch(() => {
        // Best effort: the write error below is the one to report; a leftover temp directory
        // is never read and the next save removes it.
      });
      throw new CheckpointWriteError(file, previous, cause);
    }
  };
  await step(dir, () => mkdir(dir, { recursive: true }).then(() => {}));
  await step(tmp, async () => {
    await removeDir(tmp);
    await mkdir(tmp);
  });
  await step(`${target}/weights.bin`, () => writeFileSynced(`${tmp}/weights.bin`, weights));
  const text = JSON.stringify(manifest);
  await step(`${target}/manifest.json`, () =>
    writeFileSynced(`${tmp}/manifest.json`, JSON.stringify({ sha256: sha256(text), manifest })),
  );
  await step(target, async () => {
    await syncDir(tmp);
    // A stale directory of that name (from an interrupted or earlier run) is not referenced by latest.
    await removeDir(target);
    await rename(tmp, target);
    await syncDir(dir);
  });
  await step(`${dir}/${LATEST}`, () => writeFileAtomic(dir, LATEST, `${name}\n`));

  const keep = new Set([name, ...keepAlso, LATEST]);
  for (const entry of await readdir(dir)) {
    if (!keep.has(entry) && (DIR_PATTERN.test(entry) || entry.startsWith('.ckpt-'))) {
      await removeDir(`${dir}/${entry}`);
    }
  }
  return target;
}

/** The checkpoint `<dir>/latest` names, or null when there is none yet. */
async function latestCheckpointPath(dir: string): Promise<string | null> {
  try {
    const name = (await readFile(`${dir}/${LATEST}`, 'utf8')).trim();
    return DIR_PATTERN.test(name) ? `${dir}/${name}` : null;
  } catch {
    return null; // no `latest` yet: nothing to keep intact
  }
}

/** The weights file and the manifest of a checkpoint (no file system access). */
async function serialize(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  state: CheckpointState,
): Promise<{ weights: Uint8Array; manifest: CheckpointManifest }> {
  const entries: CheckpointTensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const add = async (group: 'model' | 'optimizer', name: string, t: tf.Tensor): Promise<void> => {
    const { dtype, bytes } = await tensorBytes(t);
    entries.push({ group, name, shape: [...t.shape], dtype, offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  };
  for (const w of model.weights) await add('model', w.originalName, w.read());
  const optWeights = await optimizer.getWeights();
  try {
    for (const { name, tensor } of optWeights) await add('optimizer', name, tensor);
  } finally {
    // getWeights returns the live slot variables plus a fresh iteration scalar; free only the latter.
    for (const { tensor } of optWeights) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
  const weights = new Uint8Array(offset);
  chunks.reduce((at, c) => (weights.set(c, at), at + c.byteLength), 0);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    state,
    tensors: entries,
    weightsSha256: sha256(weights),
  };
  return { weights, manifest };
}

async function readCheckpoint(path: string): Promise<LoadedCheckpoint> {
  let parsed: { sha256?: unknown; manifest?: CheckpointManifest };
  try {
    parsed = JSON.parse(await readFile(`${path}/manifest.json`, 'utf8')) as typeof parsed;
  } catch (cause) {
    throw new CheckpointError(path, 'manifest.json is missing or not valid JSON', { cause });
  }
  const manifest = parsed.manifest;
  if (manifest === undefined || parsed.sha256 !== sha256(JSON.stringify(manifest))) {
    throw new CheckpointError(path, 'manifest.json checksum does not match its content');
  }
  if (manifest.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      path,
      `expected format ${CHECKPOINT_FORMAT}, received ${String(manifest.format)}`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(`${path}/weights.bin`);
  } catch (cause) {
    throw new CheckpointError(path, 'weights.bin is missing', { cause });
  }
  const actual = sha256(bytes);
  if (actual !== manifest.weightsSha256) {
    throw new CheckpointError(
      path,
      `weights.bin sha256 is ${actual}, manifest expects ${manifest.weightsSha256} (corrupted file)`,
    );
  }
  const modelWeights: tf.Tensor[] = [];
  const optimizerWeights: NamedTensor[] = [];
  for (const e of manifest.tensors) {
    const copy = bytes.buffer.slice(
      bytes.byteOffset + e.offset,
      bytes.byteOffset + e.offset + e.byteLength,
    );
    const values = e.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    const tensor = tf.tensor(values, e.shape, e.dtype);
    if (e.group === 'model') modelWeights.push(tensor);
    else optimizerWeights.push({ name: e.name, tensor });
  }
  return { path, manifest, modelWeights, optimizerWeights };
}

/**
 * Loads the checkpoint named by `<dir>/latest`, falling back (with a warning) to older
 * `ckpt-*` directories, newest first, when it is missing or fails its checksums. Resolves to
 * null when the directory holds no checkpoint at all; throws `NoUsableCheckpointError` (listing
 * each one tried and why) when it holds some and none reads.
 */
export async function loadLatestCheckpoint(
  dir: string,
  onWarning: (message: string) => void = (m) => console.warn(m),
): Promise<LoadedCheckpoint | null> {
  let names: string[];
  try {
    names = (await readdir(dir))
      .filter((n) => DIR_PATTERN.test(n))
      .sort()
      .reverse();
  } catch {
    return null;
  }
  let latest: string | null = null;
  try {
    latest = (await readFile(`${dir}/${LATEST}`, 'utf8')).trim();
  } catch {
    latest = null;
  }
  const candidates =
    latest !== null && names.includes(latest)
      ? [latest, ...names.filter((n) => n !== latest)]
      : names;
  if (candidates.length === 0) return null;
  const failures: CheckpointAttempt[] = [];
  for (const name of candidates) {
    const path = `${dir}/${name}`;
    try {
      const loaded = await readCheckpoint(path);
      if (failures.length > 0) {
        const tried = failures.map((f) => `checkpoint ${f.path}: ${f.reason}`).join('; ');
        onWarning(`@sevar/trainer: ${tried}; resuming from ${path} instead`);
      }
      return loaded;
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      const prefix = `checkpoint ${path}: `;
      const reason = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      failures.push({ path, reason });
    }
  }
  throw new NoUsableCheckpointError(dir, failures);
}

/** Puts a loaded checkpoint's tensors into the model and optimizer, then frees them. */
export async function restoreCheckpoint(
  loaded: LoadedCheckpoint,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
): Promise<void> {
  try {
    const weights = model.weights;
    if (weights.length !== loaded.modelWeights.length) {
      throw new CheckpointError(
        loaded.path,
        `expected ${weights.length} model weights, checkpoint holds ${loaded.modelWeights.length} (different model?)`,
      );
    }
    weights.forEach((w, i) => {
      const t = loaded.modelWeights[i]!;
      if (!tf.util.arraysEqual(w.shape as number[], t.shape)) {
        throw new CheckpointError(
          loaded.path,
          `weight ${w.originalName}: expected shape [${w.shape.join(', ')}], checkpoint has [${t.shape.join(', ')}]`,
        );
      }
    });
    model.setWeights(loaded.modelWeights);
    await optimizer.setWeights(loaded.optimizerWeights);
  } finally {
    tf.dispose(loaded.modelWeights);
    tf.dispose(loaded.optimizerWeights.map((w) => w.tensor));
  }
}
