// Saved models on disk: tfjs's layers format (`model.json` + `weights.bin`) plus `checksums.json`,
// each file written atomically, and a loader that verifies them and reports every problem as a
// `ModelFileError` naming the file (never a raw tfjs error or a silently NaN model).
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fuseBatchNormTraining } from '@sevar/layers';
import { writeFileAtomic } from './atomic-fs.js';
import { InvalidOptionError } from './errors.js';
import { FileWriteError, ModelFileError } from './io-errors.js';

export const MODEL_JSON = 'model.json';
export const MODEL_WEIGHTS = 'weights.bin';
export const MODEL_CHECKSUMS = 'checksums.json';
export const MODEL_CHECKSUMS_FORMAT = 'sevar-model-checksums-1';

/** Size and SHA-256 of one file of a saved model. */
export interface FileChecksum {
  bytes: number;
  sha256: string;
}

/** `checksums.json`: every other file of the saved model, by name. */
export interface ModelChecksums {
  format: typeof MODEL_CHECKSUMS_FORMAT;
  files: Record<string, FileChecksum>;
}

function checksum(data: Uint8Array): FileChecksum {
  return { bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * Saves topology and weights in `dir` as `model.json` + `weights.bin` (tfjs layers format, which
 * `tf.loadLayersModel` also reads) and `checksums.json` (size and SHA-256 of both), each written
 * atomically (temp file + rename), `checksums.json` last. Resolves to the checksums written; a
 * failed write throws `FileWriteError` naming the file.
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<ModelChecksums> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const saved = artifacts! as tf.io.ModelArtifacts;
  const data = saved.weightData;
  const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
  const weights = Buffer.concat(buffers.map((b) => new Uint8Array(b)));
  const json = Buffer.from(
    JSON.stringify({
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
      modelTopology: saved.modelTopology,
      weightsManifest: [{ paths: [MODEL_WEIGHTS], weights: saved.weightSpecs ?? [] }],
    }),
  );
  const checksums: ModelChecksums = {
    format: MODEL_CHECKSUMS_FORMAT,
    files: { [MODEL_JSON]: checksum(json), [MODEL_WEIGHTS]: checksum(weights) },
  };
  const write = async (name: string, bytes: Uint8Array | string) => {
    try {
      await writeFileAtomic(dir, name, bytes);
    } catch (cause) {
      throw new FileWriteError(join(dir, name), 'model', cause);
    }
  };
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new FileWriteError(dir, 'model', cause);
  }
  await write(MODEL_WEIGHTS, weights);
  await write(MODEL_JSON, json);
  await write(MODEL_CHECKSUMS, `${JSON.stringify(checksums, null, 2)}\n`);
  return checksums;
}

export interface LoadModelOptions {
  /**
   * Told once a model without `checksums.json` has loaded (its files were only size-checked).
   * Default: console.warn.
   */
  onWarning?: (message: string) => void;
  /**
   * Train the loaded model's batch norms through one fused op (`fuseBatchNormTraining` of
   * `@sevar/layers`), as the zoo's models do when built: a fine-tuning step through plain
   * `optimizer.minimize` or `model.fit` is then as fast and lean as on the model that was saved.
   * Inference is untouched, so predictions equal the saved model's bit for bit. Default true.
   */
  fusedBatchNorm?: boolean;
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs layers `model.json` whose weights files
 * lie in `dir`). Checks each file against `checksums.json` (size, then SHA-256); a model saved
 * without one (older saves) loads unverified, with a warning, but the weights must still have
 * exactly the bytes the manifest describes. Every problem throws `ModelFileError` naming the
 * file: missing, invalid JSON or fields, a checksum mismatch, truncated or extra bytes, a weights
 * path that leaves `dir`, or a topology tfjs cannot build (custom layers must be registered first).
 */
export async function loadModel(
  dir: string,
  options: LoadModelOptions = {},
): Promise<tfl.LayersModel> {
  const fused = options.fusedBatchNorm ?? true;
  if (typeof fused !== 'boolean') {
    throw new InvalidOptionError('loadModel: fusedBatchNorm', 'true or false', fused);
  }
  const checksums = await readChecksums(dir);
  const model = await loadFiles(dir, checksums);
  if (fused) fuseBatchNormTraining(model);
  if (checksums === null) {
    const warn = options.onWarning ?? ((m: string) => console.warn(m));
    warn(
      `@sevar/trainer: ${join(dir, MODEL_CHECKSUMS)} is missing (a model saved by an older ` +
        'version or another tool): its files were only size-checked, not verified',
    );
  }
  return model;
}

/** The model in `dir`, each file checked against `checksums` when there are any. */
async function loadFiles(dir: string, checksums: ModelChecksums | null): Promise<tfl.LayersModel> {
  const jsonFile = join(dir, MODEL_JSON);
  const jsonBytes = await readModelFile(jsonFile, checksums, MODEL_JSON);
  const json = parseModelJson(jsonFile, jsonBytes);
  const buffers: Buffer[] = [];
  const files: string[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      const file = insideFolder(dir, path, jsonFile);
      files.push(file);
      buffers.push(await readModelFile(file, checksums, path));
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  checkWeightBytes(files, jsonFile, specs, all.byteLength);
  try {
    return await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      }),
    );
  } catch (cause) {
    throw new ModelFileError(
      jsonFile,
      'unloadable',
      'a topology and weights tfjs can build',
      (cause as Error).message ?? String(cause),
      { cause, hint: 'Models with custom layers need their classes registered before loading.' },
    );
  }
}

/** `checksums.json` of `dir`, or null when the model was saved without one. */
async function readChecksums(dir: string): Promise<ModelChecksums | null> {
  const file = join(dir, MODEL_CHECKSUMS);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ModelFileError(file, 'missing', 'a readable file', (error as Error).message, {
      cause: error,
    });
  }
  let parsed: Partial<ModelChecksums>;
  try {
    parsed = JSON.parse(text) as Partial<ModelChecksums>;
  } catch (cause) {
    throw new ModelFileError(file, 'invalid', 'JSON', 'text that does not parse', { cause });
  }
  if (parsed?.format !== MODEL_CHECKSUMS_FORMAT || typeof parsed.files !== 'object') {
    throw new ModelFileError(
      file,
      'invalid',
      `{ format: '${MODEL_CHECKSUMS_FORMAT}', files }`,
      `format ${JSON.stringify(parsed?.format)}`,
    );
  }
  return parsed as ModelChecksums;
}

/** Reads one file of the model, checked against its `checksums.json` entry when there is one. */
async function readModelFile(
  file: string,
  checksums: ModelChecksums | null,
  name: string,
): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ModelFileError(
      file,
      'missing',
      'a file of the saved model',
      code === 'ENOENT' ? 'no such file' : (cause as Error).message,
      { cause },
    );
  }
  if (checksums === null) return bytes;
  const want = checksums.files[name];
  if (want === undefined) {
    throw new ModelFileError(
      file,
      'checksum',
      `an entry in ${MODEL_CHECKSUMS}`,
      'a file it does not list',
    );
  }
  if (bytes.byteLength !== want.bytes) throw sizeError(file, want.bytes, bytes.byteLength);
  const got = checksum(bytes).sha256;
  if (got !== want.sha256) {
    throw new ModelFileError(file, 'checksum', `sha256 ${want.sha256}`, `sha256 ${got}`, {
      hint: 'The file is corrupted; save the model again or restore it from a copy.',
    });
  }
  return bytes;
}

function sizeError(file: string, expected: number, received: number): ModelFileError {
  return new ModelFileError(
    file,
    received < expected ? 'truncated' : 'extra-bytes',
    `${expected} bytes`,
    `${received} bytes`,
    {
      hint:
        received < expected
          ? 'The file is truncated (an interrupted copy or download?).'
          : 'The file has bytes the model does not describe.',
    },
  );
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Parses `model.json`, naming what is missing instead of letting tfjs fail on it later. */
function parseModelJson(file: string, bytes: Buffer): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new ModelFileError(file, 'invalid', 'JSON', 'text that does not parse', { cause });
  }
  const expected = 'a tfjs layers model.json with modelTopology and weightsManifest';
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelFileError(
      file,
      'invalid',
      expected,
      Array.isArray(json) ? 'an array' : `${json}`,
    );
  }
  const o = json as Record<string, unknown>;
  const missing = ['modelTopology', 'weightsManifest'].filter((k) => o[k] === undefined);
  if (missing.length > 0) {
    throw new ModelFileError(file, 'invalid', expected, `no ${missing.join(' and no ')}`);
  }
  const validGroup = (g: unknown): boolean => {
    const group = g as { paths?: unknown; weights?: unknown } | null;
    return (
      Array.isArray(group?.paths) &&
      group.paths.every((p) => typeof p === 'string') &&
      Array.isArray(group.weights) &&
      group.weights.every(
        (w: { name?: unknown; shape?: unknown; dtype?: unknown } | null) =>
          typeof w?.name === 'string' && Array.isArray(w.shape) && typeof w.dtype === 'string',
      )
    );
  };
  if (typeof o.modelTopology !== 'object' || o.modelTopology === null) {
    throw new ModelFileError(
      file,
      'invalid',
      'modelTopology to be an object',
      `${o.modelTopology}`,
    );
  }
  if (!Array.isArray(o.weightsManifest) || !o.weightsManifest.every(validGroup)) {
    throw new ModelFileError(
      file,
      'invalid',
      'weightsManifest to be a list of { paths: string[], weights: { name, shape, dtype }[] }',
      JSON.stringify(o.weightsManifest).slice(0, 80),
    );
  }
  return o as unknown as ModelJson;
}

/** `dir/path`, refusing absolute paths and paths that climb out of `dir`. */
function insideFolder(dir: string, path: string, jsonFile: string): string {
  const full = resolve(dir, path);
  const rel = relative(resolve(dir), full);
  if (isAbsolute(path) || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new ModelFileError(
      jsonFile,
      'outside-folder',
      `weights paths inside the model folder ${dir}`,
      JSON.stringify(path),
    );
  }
  return full;
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** The weights must hold exactly the bytes their specs describe (no checksums needed for that). */
function checkWeightBytes(
  files: string[],
  jsonFile: string,
  specs: tf.io.WeightsManifestEntry[],
  received: number,
): void {
  let expected = 0;
  for (const spec of specs) {
    const size = BYTES_PER_ELEMENT[spec.quantization?.dtype ?? spec.dtype];
    if (size === undefined) return; // strings have no fixed size: tfjs checks those itself
    expected += spec.shape.reduce((a, b) => a * b, 1) * size;
  }
  if (expected === received) return;
  throw sizeError(
    files.length === 1 ? files[0]! : files.join(', ') || jsonFile,
    expected,
    received,
  );
}
