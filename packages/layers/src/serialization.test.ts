import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expectClose, useBackend } from './__tests__/helpers.js';
import type { SqueezeExciteLayer } from './attention-layer.js';
import { createAttention, getVariant, VARIANT_NAMES } from './registry.js';

beforeAll(async () => useBackend('cpu'));

/** A functional model with one conv and every variant in sequence (non-default options on some). */
function modelWithEveryVariant(): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 5, 3] });
  let x = tfl.layers
    .conv2d({ filters: 24, kernelSize: 3, padding: 'same', name: 'conv' })
    .apply(input) as tfl.SymbolicTensor;
  for (const name of VARIANT_NAMES) {
    x = createAttention(name, { reduction: 4, name: `att_${name}` }).apply(x) as tfl.SymbolicTensor;
  }
  x = createAttention('bump', {
    reduction: 6,
    bumpKind: 'conv3x3',
    gateActivation: 'hard-sigmoid',
    name: 'att_bump_conv',
  }).apply(x) as tfl.SymbolicTensor;
  x = createAttention('slow-squeeze-slow-excite', {
    hiddenUnits: [7, 3, 9],
    minChannels: 2,
    name: 'att_custom',
  }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** Saves to `dir` as model.json + weights.bin, the layout tfjs-node's file:// handler uses. */
function fileSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData!);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weightData));
    const json = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

function fileLoadHandler(dir: string): tf.io.IOHandler {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const bin = readFileSync(join(dir, 'weights.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0]!.weights,
    weightData,
  });
}

describe('save and load', () => {
  const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 7);
  afterAll(() => x.dispose());

  it('round-trips through tf.io in memory with identical outputs and weight names', async () => {
    const model = modelWithEveryVariant();
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    // Variable names are made globally unique (a `_1` suffix while the original lives); the
    // names written to the weights manifest are the stable ones.
    expect(saved!.weightSpecs!.map((w) => w.name)).toContain(
      'att_slow-squeeze-slow-excite/fc4/bias',
    );
    expect(loaded.weights.map((w) => w.originalName)).toEqual(
      model.weights.map((w) => w.originalName),
    );
    expect(loaded.getLayer('att_bump_conv').getConfig()).toEqual(
      model.getLayer('att_bump_conv').getConfig(),
    );
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('round-trips through model.json + weights.bin files on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sevar-layers-'));
    try {
      const model = modelWithEveryVariant();
      await model.save(fileSaveHandler(dir));
      const topology = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).modelTopology;
      expect(JSON.stringify(topology)).toContain('SevarSlowSqueezeSlowExcite');
      const loaded = await tfl.loadLayersModel(fileLoadHandler(dir));
      const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b]);
      model.dispose();
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works inside a Sequential model', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [6, 5, 3], filters: 16, kernelSize: 1 }),
        createAttention('slow-excite', { reduction: 4 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expectClose(b, a, 0, 0);
    tf.dispose([a, b]);
  });
});

describe('fromConfig(getConfig())', () => {
  it.each(VARIANT_NAMES)('%s round-trips its config, options and initializers', (name) => {
    const layer = createAttention(name, {
      reduction: 4,
      minChannels: 2,
      gateActivation: 'hard-sigmoid',
      kernelInitializer: 'heNormal',
      biasInitializer: tfl.initializers.constant({ value: 0.25 }),
      kernelRegularizer: tfl.regularizers.l2({ l2: 1e-4 }),
      name: `cfg_${name}`,
    });
    const config = layer.getConfig();
    const className = (getVariant(name).layerClass as unknown as { className: string }).className;
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[className]!;
    const copy = fromConfig(cls, config) as unknown as SqueezeExciteLayer;
    expect(copy.constructor).toBe(layer.constructor);
    expect(copy.getConfig()).toEqual(config);
    // Survives a JSON round trip too, as it does inside model.json.
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    // The deserialized initializer is used: biases come out as the constant.
    copy.build([null, 4, 4, 8]);
    expect(Array.from(copy.getWeights()[1]!.dataSync())).toEqual(
      new Array(copy.getWeights()[1]!.size).fill(0.25),
    );
  });
});
