import { existsSync, readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from './__tests__/helpers.js';
import { zooFixtureKeys } from './__tests__/zoo-fixtures.js';
import { AttentionInputError, UnknownOptionError } from './errors.js';
import { attentionDefinitions, createAttention } from './registry.js';

// What every module of the zoo must have and do, derived from the registry itself: adding a
// module without its test file, reference, fixture or README row fails here.
beforeAll(async () => useBackend('cpu'));

const zoo = attentionDefinitions().filter((d) => !d.paper);
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const readmeRows = readme
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
const fixtures = zooFixtureKeys();

/** input [6, 5, C] → 3x3 conv → module → output, so the module sits inside a real graph. */
function modelWith(key: string, channels: number): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 5, 3] });
  const conv = tfl.layers.conv2d({ filters: channels, kernelSize: 3, padding: 'same' });
  const attention = createAttention(key, { name: `att_${key}` });
  const output = attention.apply(conv.apply(input)) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

it('the zoo holds modules beyond the paper, with unique Sevar-prefixed class names', () => {
  expect(zoo.length).toBeGreaterThan(0);
  const classNames = attentionDefinitions().map((d) => d.layerClass.className);
  expect(new Set(classNames).size).toBe(classNames.length);
  for (const d of zoo) expect(d.layerClass.className).toMatch(/^Sevar/);
});

describe.each(zoo.map((d) => [d.key, d] as const))('%s', (key, def) => {
  it('has its test file, PyTorch reference, fixture and README row', () => {
    expect(existsSync(new URL(`./zoo/${key}.test.ts`, import.meta.url))).toBe(true);
    expect(existsSync(new URL(`../reference/zoo/${key}.py`, import.meta.url))).toBe(true);
    expect(fixtures).toContain(key);
    const row = readmeRows.find((cells) => cells[0] === `\`${key}\``);
    expect(row, `README row for ${key}`).toBeDefined();
    expect(row![1]).toContain(def.title);
    expect(row![2]).toBe(def.kind);
    expect(row![4]).toBe(def.parameterCount(64).toLocaleString('en-US'));
  });

  it('builds as many parameters as it counts, and zero for a parameter-free module', () => {
    const layer = createAttention(key);
    const x = tf.zeros([1, 6, 5, 64]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    // Trainable weights only: BN moving statistics are state, not parameters (as in PyTorch).
    const trainable = layer.trainableWeights.reduce(
      (n, w) => n + tf.util.sizeFromShape(w.shape as number[]),
      0,
    );
    expect(trainable).toBe(def.parameterCount(64));
    if (def.kind === 'parameter-free') expect(def.parameterCount(64)).toBe(0);
    x.dispose();
  });

  it('round-trips through save/load bit-identically, and through fromConfig(getConfig())', async () => {
    const model = modelWith(key, 16);
    const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 7);
    const loaded = await roundTrip(model);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const wa = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(wa);
    const layer = model.getLayer(`att_${key}`);
    const [cls, fromConfig] =
      tf.serialization.SerializationMap.getMap().classNameMap[def.layerClass.className]!;
    const copy = fromConfig(cls, layer.getConfig());
    expect((copy as tfl.layers.Layer).getConfig()).toEqual(layer.getConfig());
    tf.dispose([x, a, b]);
  });

  it('rejects non-4D input, a channel count that changes, and unknown option keys', () => {
    const layer = createAttention(key);
    expect(() => layer.apply(tfl.input({ shape: [8, 16] }))).toThrow(AttentionInputError);
    const x = tf.ones([1, 4, 4, 16]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const y = tf.ones([1, 4, 4, 8]);
    expect(() => layer.apply(y)).toThrow(AttentionInputError);
    expect(() => createAttention(key, { notAnOption: 1 })).toThrow(UnknownOptionError);
    tf.dispose([x, y]);
  });

  it('shows its gates as channel and/or spatial maps in [0, 1]', () => {
    const layer = createAttention(key);
    const x = tf.randomNormal([2, 6, 5, 16], 0, 1, 'float32', 3) as tf.Tensor4D;
    tf.dispose(layer.apply(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    const maps = layer.attentionMaps(x);
    expect(maps.channel ?? maps.spatial).toBeDefined();
    if (maps.channel) expect(maps.channel.shape).toEqual([2, 16]);
    if (maps.spatial) expect(maps.spatial.shape).toEqual([2, 6, 5]);
    for (const m of [maps.channel, maps.spatial]) {
      if (!m) continue;
      const v = m.dataSync();
      expect(v.every((e) => e >= 0 && e <= 1)).toBe(true);
    }
    tf.dispose([maps.channel, maps.spatial].filter((m) => m !== undefined));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
