import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTrainingFused, createAttention } from '@sevar/layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { fillDeterministic, useCpu } from './__tests__/helpers.js';
import { describeModel } from './describe.js';
import {
  AttentionSiteError,
  ModelConfigError,
  ModelRewriteError,
  UnknownAttentionError,
  UnknownLayerError,
  UnsupportedGraphError,
} from './errors.js';
import { resnet18 } from './resnet.js';
import { withAttention } from './with-attention.js';

beforeAll(useCpu);

type Sym = tfl.SymbolicTensor;

/**
 * A residual CNN written with plain tfjs layers, as a user would: conv-BN-ReLU, then a
 * conv-BN branch added to its input. `insert(name, x)` lets a test put a module by hand.
 */
function userModel(insert: (site: string, x: Sym) => Sym = (_s, x) => x): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3], name: 'image' });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, name: 'conv1' })
    .apply(input) as Sym;
  x = tfl.layers.batchNormalization({ name: 'bn1' }).apply(x) as Sym;
  const a = tfl.layers.reLU({ name: 'relu1' }).apply(x) as Sym;
  let b = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, name: 'conv2' })
    .apply(a) as Sym;
  b = insert('bn2', tfl.layers.batchNormalization({ name: 'bn2' }).apply(b) as Sym);
  let y = tfl.layers.add({ name: 'add' }).apply([b, a]) as Sym;
  y = tfl.layers.activation({ activation: 'relu', name: 'relu2' }).apply(y) as Sym;
  y = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(y) as Sym;
  const out = tfl.layers.dense({ units: 3, name: 'fc' }).apply(y) as Sym;
  return tfl.model({ inputs: input, outputs: out, name: 'user_net' });
}

function predict(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  const y = model.predict(x) as tf.Tensor;
  const data = y.dataSync() as Float32Array;
  y.dispose();
  return data;
}

async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

/** Names of the trainable weights one SGD step leaves unchanged. */
function unchangedAfterStep(model: tfl.LayersModel): string[] {
  const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
  const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 5);
  const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
  const opt = tf.train.sgd(0.1);
  tf.dispose(
    opt.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          labels,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      true,
    ) ?? [],
  );
  opt.dispose();
  tf.dispose([x, labels]);
  return model.trainableWeights
    .filter((w, i) =>
      w
        .read()
        .dataSync()
        .every((v, j) => v === before[i]![j]),
    )
    .map((w) => w.originalName);
}

describe('withAttention on a model built outside the package', () => {
  it('residual-branches: the module sits on the branch before the add, same function as by hand', async () => {
    const before = tf.memory().numTensors;
    const original = userModel();
    fillDeterministic(original, 3);
    const rewritten = await withAttention(
      original,
      'se',
      { reduction: 4 },
      { after: 'residual-branches' },
    );
    expect(rewritten.name).toBe('user_net_se');
    const att = rewritten.getLayer('bn2_attention');
    expect(att.getClassName()).toBe('SevarSqueezeExcite');
    expect(att.inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual(['bn2']);
    expect(rewritten.getLayer('add').inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual([
      'bn2_attention',
      'relu1', // the shortcut is untouched
    ]);
    // Every original weight carried over.
    for (const layer of original.layers) {
      const carried = rewritten.getLayer(layer.name).getWeights();
      layer.getWeights().forEach((w, i) => expect(carried[i]!.dataSync()).toEqual(w.dataSync()));
    }
    // The same network written by hand, given the rewritten model's weights, computes the same.
    const byHand = userModel((site, x) =>
      site === 'bn2'
        ? (createAttention('se', { reduction: 4, name: 'bn2_attention' }).apply(x) as Sym)
        : x,
    );
    byHand.setWeights(rewritten.getWeights());
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 1);
    expect(predict(rewritten, x)).toEqual(predict(byHand, x));
    expect(predict(rewritten, x)).not.toEqual(predict(original, x));
    tf.dispose(x);
    [original, rewritten, byHand].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the result trains (every weight moves, the new module included) and round-trips through tf.io', async () => {
    const original = userModel();
    const rewritten = await withAttention(
      original,
      'slow-excite',
      { reduction: 4 },
      { after: ['relu1', 'bn2'] },
    );
    fillDeterministic(rewritten, 9);
    expect(unchangedAfterStep(rewritten)).toEqual([]);
    const loaded = await roundTrip(rewritten);
    expect(loaded.layers.map((l) => l.name)).toEqual(rewritten.layers.map((l) => l.name));
    const x = tf.randomUniform([1, 8, 8, 3], -1, 1, 'float32', 2);
    expect(predict(loaded, x)).toEqual(predict(rewritten, x));
    tf.dispose(x);
    [original, rewritten, loaded].forEach((m) => m.dispose());
  });

  it('rewrites a model loaded with tf.loadLayersModel, and a Sequential one', async () => {
    const loaded = await roundTrip(userModel());
    const r = await withAttention(
      loaded,
      'bump',
      {},
      { after: (l) => l.getClassName() === 'Conv2D' },
    );
    expect(r.layers.map((l) => l.name).filter((n) => n.endsWith('_attention'))).toEqual([
      'conv1_attention',
      'conv2_attention',
    ]);
    const seq = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, name: 's_conv' }),
        tfl.layers.flatten({ name: 's_flat' }),
        tfl.layers.dense({ units: 2, name: 's_fc' }),
      ],
    });
    const s = await withAttention(seq, 'se', { reduction: 2 }, { after: 'conv-blocks' });
    expect(s.getLayer('s_flat').inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual([
      's_conv_attention',
    ]);
    [loaded, r, seq, s].forEach((m) => m.dispose());
  });

  it("conv-blocks goes after each conv's BN and activation; on a zoo ResNet, residual-branches builds SE-ResNet", async () => {
    const m = userModel();
    const r = await withAttention(m, 'se', { reduction: 4 }, { after: 'conv-blocks' });
    expect(r.layers.filter((l) => l.name.endsWith('_attention')).map((l) => l.name)).toEqual([
      'relu1_attention', // relu1 feeds conv2 and the add: the block ends there
      'bn2_attention',
    ]);
    m.dispose();
    const plain = resnet18({ numClasses: 10, stem: 'cifar', inputShape: [8, 8, 3] });
    const se = resnet18({ attention: 'se', numClasses: 10, stem: 'cifar', inputShape: [8, 8, 3] });
    const rewritten = await withAttention(plain, 'se', {}, { after: 'residual-branches' });
    expect(describeModel(rewritten).trainableParams).toBe(describeModel(se).trainableParams);
    // The zoo's batch norms train fused; the rebuilt ones do too. A user's stock ones stay stock.
    const norms = (x: tfl.LayersModel) =>
      x.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    expect(norms(rewritten)).toHaveLength(norms(plain).length);
    expect(norms(rewritten).every(batchNormTrainingFused)).toBe(true);
    expect(norms(r).some(batchNormTrainingFused)).toBe(false);
    [r, plain, se, rewritten].forEach((x) => x.dispose());
  });
});

describe('withAttention: typed errors', () => {
  async function rejects<E>(p: Promise<unknown>, type: new (...a: never[]) => E): Promise<E> {
    const e = await p.then(
      () => null,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(type);
    return e as E;
  }

  it('unknown layer names, with the closest one as a hint', async () => {
    const m = userModel();
    const e = await rejects(
      withAttention(m, 'se', {}, { after: ['conv1', 'cnov2'] }),
      UnknownLayerError,
    );
    expect(e).toBeInstanceOf(ModelRewriteError);
    expect(e.received).toBe('cnov2');
    expect(e.message).toContain("Did you mean 'conv2'?");
    m.dispose();
  });

  it('non-4D outputs', async () => {
    const m = userModel();
    const e = await rejects(withAttention(m, 'se', {}, { after: ['pool'] }), AttentionSiteError);
    expect(e.layer).toBe('pool');
    expect(e.message).toContain('[null,8]');
    m.dispose();
  });

  it('graphs it cannot rewrite: a nested model, a shared layer, a selector that selects nothing', async () => {
    const inner = userModel();
    const input = tfl.input({ shape: [8, 8, 3] });
    const nested = tfl.model({ inputs: input, outputs: inner.apply(input) as Sym, name: 'outer' });
    const e = await rejects(
      withAttention(nested, 'se', {}, { after: [inner.name] }),
      UnsupportedGraphError,
    );
    expect(e.message).toContain('nested model');

    const conv = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: 'shared' });
    const i2 = tfl.input({ shape: [4, 4, 3] });
    const twice = tfl.model({ inputs: i2, outputs: conv.apply(conv.apply(i2)) as Sym });
    const s = await rejects(
      withAttention(twice, 'se', {}, { after: ['shared'] }),
      UnsupportedGraphError,
    );
    expect(s.message).toContain('applied once');

    await rejects(withAttention(inner, 'se', {}, { after: () => false }), UnsupportedGraphError);
    await rejects(
      withAttention(inner, 'se', {}, { after: 'everywhere' as never }),
      UnsupportedGraphError,
    );
    // Disposing the outer model disposes the nested one too.
    [nested, twice].forEach((m) => m.dispose());
  });

  it("the key: 'none' and unknown names are refused before anything is built", async () => {
    const m = userModel();
    const before = tf.memory().numTensors;
    await rejects(withAttention(m, 'none', {}, { after: ['bn2'] }), ModelConfigError);
    const u = await rejects(
      withAttention(m, 'sse' as never, {}, { after: ['bn2'] }),
      UnknownAttentionError,
    );
    expect(u.validNames).toContain('se');
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});
