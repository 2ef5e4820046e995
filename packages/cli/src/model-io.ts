import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Registers the Sevar* layer classes, so saved models with attention load.
import '@sevar/layers';
import { CliError, MissingFileError } from './errors.js';

const MODEL_JSON = 'model.json';
const WEIGHTS = 'weights.bin';

/** Saves topology and weights as `model.json` + `weights.bin` (tfjs layers format) in `dir`. */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const bytes = Buffer.concat(buffers.map((b) => new Uint8Array(b)));
      await writeFile(join(dir, WEIGHTS), bytes);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Loads a model saved by {@link saveModel} (or any tfjs layers model with one weights file). */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  const path = join(dir, MODEL_JSON);
  let json: {
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as typeof json;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new MissingFileError(path, 'saved model');
    throw new CliError(`${path}: expected a tfjs model.json, ${(error as Error).message}`);
  }
  const manifest = json.weightsManifest ?? [];
  const buffers: Buffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of manifest) {
    for (const p of group.paths) {
      const file = join(dir, p);
      try {
        buffers.push(await readFile(file));
      } catch {
        throw new MissingFileError(file, `weights file named by ${path}`);
      }
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  try {
    return await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as object,
        weightSpecs: specs,
        weightData,
      }),
    );
  } catch (error) {
    throw new CliError(`${path}: cannot load the model: ${(error as Error).message}`, 1, {
      cause: error,
    });
  }
}
