import '@tensorflow/tfjs-backend-cpu';
import {
  existsSync,
  readFileSync,
  readdirSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTrainingFused } from '@sevar/layers';
import { tinyModel } from './__fixtures__/tiny.js';
import { tempDirs } from './__tests__/temp-dirs.js';
import { ModelFileError } from './io-errors.js';
import { loadModel, saveModel } from './model-files.js';

const tempDir = tempDirs('sevar-model-');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A saved tiny model in a fresh folder, and the float32 bytes its weights take. */
async function saved(): Promise<{ dir: string; weightBytes: number; model: tfl.LayersModel }> {
  const dir = join(tempDir(), 'model');
  const model = tinyModel(3);
  await saveModel(model, dir);
  const weightBytes = model.weights.reduce((n, w) => n + w.read().size * 4, 0);
  return { dir, weightBytes, model };
}

async function loadError(dir: string): Promise<ModelFileError> {
  // A model that fails to load is an error, not also a warning.
  const onWarning = (m: string) => expect.fail(`unexpected warning: ${m}`);
  const error = await loadModel(dir, { onWarning }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModelFileError);
  return error as ModelFileError;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('saveModel / loadModel', () => {
  it('round-trips predictions and writes the checksums of both files', async () => {
    const { dir, weightBytes, model } = await saved();
    expect(readdirSync(dir).sort()).toEqual(['checksums.json', 'model.json', 'weights.bin']);
    const checksums = JSON.parse(readFileSync(join(dir, 'checksums.json'), 'utf8')) as {
      files: Record<string, { bytes: number; sha256: string }>;
    };
    for (const name of ['model.json', 'weights.bin']) {
      const bytes = readFileSync(join(dir, name));
      expect(checksums.files[name]).toEqual({ bytes: bytes.byteLength, sha256: sha256(bytes) });
    }
    expect(checksums.files['weights.bin']!.bytes).toBe(weightBytes);

    // Verified against checksums.json: nothing to warn about.
    const loaded = await loadModel(dir, { onWarning: (m) => expect.fail(`unexpected: ${m}`) });
    const x = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 5);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    loaded.dispose();
  });

  it('the loaded batch norms train fused unless fusedBatchNorm: false', async () => {
    const { dir } = await saved();
    const norms = (m: tfl.LayersModel) =>
      m.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    const fused = await loadModel(dir);
    const stock = await loadModel(dir, { fusedBatchNorm: false });
    expect(norms(fused).length).toBeGreaterThan(0);
    expect(norms(fused).every(batchNormTrainingFused)).toBe(true);
    expect(norms(stock).some(batchNormTrainingFused)).toBe(false);
    [fused, stock].forEach((m) => m.dispose());
    await expect(loadModel(dir, { fusedBatchNorm: 'no' as never })).rejects.toThrow(
      /loadModel: fusedBatchNorm.*true or false.*no/,
    );
  });

  it('a flipped byte in weights.bin fails the checksum, naming the file and both hashes', async () => {
    const { dir } = await saved();
    const file = join(dir, 'weights.bin');
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[17] = bad[17]! ^ 0x40;
    writeFileSync(file, bad);
    const e = await loadError(dir);
    expect(e.problem).toBe('checksum');
    expect(e.file).toBe(file);
    expect(e.message).toContain(`expected sha256 ${sha256(good)}, received sha256 ${sha256(bad)}`);
  });

  it('random bytes of the right size are caught too (they would evaluate to loss NaN)', async () => {
    const { dir, weightBytes } = await saved();
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(weightBytes, 0xff));
    expect((await loadError(dir)).problem).toBe('checksum');
  });

  it('a truncated weights.bin says so with the expected and received sizes', async () => {
    const { dir, weightBytes } = await saved();
    truncateSync(join(dir, 'weights.bin'), 250);
    const e = await loadError(dir);
    expect(e.problem).toBe('truncated');
    expect(e.message).toMatch(
      new RegExp(`weights\\.bin: expected ${weightBytes} bytes, received 250 bytes\\. .*truncated`),
    );
  });

  it('extra bytes after the weights are refused', async () => {
    const { dir, weightBytes } = await saved();
    const file = join(dir, 'weights.bin');
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(8)]));
    const e = await loadError(dir);
    expect(e.problem).toBe('extra-bytes');
    expect([e.expected, e.received]).toEqual([`${weightBytes} bytes`, `${weightBytes + 8} bytes`]);
  });

  it('a model saved without checksums.json loads with a warning, and still has its sizes checked', async () => {
    const { dir, weightBytes, model } = await saved();
    unlinkSync(join(dir, 'checksums.json'));
    const warnings: string[] = [];
    const loaded = await loadModel(dir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      `@sevar/trainer: ${join(dir, 'checksums.json')} is missing (a model saved by an older ` +
        'version or another tool): its files were only size-checked, not verified',
    ]);
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
      model.getWeights().map((w) => Array.from(w.dataSync())),
    );
    loaded.dispose();
    // tfjs itself would say "the tensor should have 36 values but has ..." or build a NaN model.
    truncateSync(join(dir, 'weights.bin'), weightBytes - 4);
    const e = await loadError(dir);
    expect(e.problem).toBe('truncated');
    expect([e.expected, e.received]).toEqual([`${weightBytes} bytes`, `${weightBytes - 4} bytes`]);
  });

  it("model.json '{}' names what is missing", async () => {
    const { dir } = await saved();
    unlinkSync(join(dir, 'checksums.json'));
    writeFileSync(join(dir, 'model.json'), '{}');
    const e = await loadError(dir);
    expect(e.problem).toBe('invalid');
    expect(e.message).toMatch(
      /model\.json: expected .*modelTopology and weightsManifest, received no modelTopology and no weightsManifest/,
    );
  });

  it('model.json that is not JSON, and a missing folder, are typed errors', async () => {
    const { dir } = await saved();
    unlinkSync(join(dir, 'checksums.json'));
    writeFileSync(join(dir, 'model.json'), '{"modelTopology":');
    expect((await loadError(dir)).problem).toBe('invalid');
    const missing = join(tempDir(), 'nothing-here');
    const e = await loadError(missing);
    expect(e.problem).toBe('missing');
    expect(e.file).toBe(join(missing, 'model.json'));
  });

  it('refuses weights paths that leave the model folder (../x, absolute)', async () => {
    const outside = join(tempDir(), 'secret.bin');
    writeFileSync(outside, Buffer.alloc(16));
    for (const path of ['../secret.bin', outside]) {
      const { dir } = await saved();
      unlinkSync(join(dir, 'checksums.json'));
      const file = join(dir, 'model.json');
      const json = JSON.parse(readFileSync(file, 'utf8')) as {
        weightsManifest: { paths: string[] }[];
      };
      json.weightsManifest[0]!.paths = [path];
      writeFileSync(file, JSON.stringify(json));
      const e = await loadError(dir);
      expect(e.problem).toBe('outside-folder');
      expect(e.message).toContain(JSON.stringify(path));
    }
  });

  it('a weights file listed in model.json but missing names that file', async () => {
    const { dir } = await saved();
    unlinkSync(join(dir, 'weights.bin'));
    const e = await loadError(dir);
    expect(e.problem).toBe('missing');
    expect(e.file).toBe(join(dir, 'weights.bin'));
    expect(existsSync(join(dir, 'model.json'))).toBe(true);
  });
});
