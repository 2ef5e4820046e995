import * as tf from '@tensorflow/tfjs-core';
import { fuseBatchNormTraining } from '@sevar/layers';
import { registerCpuTrainingKernels, unregisterCpuTrainingKernels } from '@sevar/wasm-kernels';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { fillDeterministic, relativeError, useCpu } from './__tests__/helpers.js';
import { describeModel } from './describe.js';
import { efficientnetB0 } from './efficientnet.js';
import { ModelConfigError, UnknownAttentionError } from './errors.js';
import { SevarHardSwish } from './hard-swish.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV3Large, mobilenetV3Small } from './mobilenet-v3.js';
import { MODEL_NAMES, createModel, hasBuiltInAttention } from './registry.js';
import { SevarStochasticDepth } from './stochastic-depth.js';

beforeAll(useCpu);

function predict(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  const y = model.predict(x) as tf.Tensor;
  const data = y.dataSync() as Float32Array;
  y.dispose();
  return data;
}

describe('the layers the mobile networks add', () => {
  it('hard-swish is x * relu6(x + 3) / 6 (PyTorch Hardswish), computed by hand', () => {
    const x = tf.tensor1d([-4, -3, -1.5, 0, 1, 3, 5]);
    const y = new SevarHardSwish().apply(x) as tf.Tensor;
    const expected = [0, 0, -1.5 * (1.5 / 6), 0, 1 * (4 / 6), 3, 5];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    tf.dispose([x, y]);
  });

  it('stochastic depth: identity in inference; in training each sample kept whole (x / keep) or zeroed', () => {
    const layer = new SevarStochasticDepth({ rate: 0.5 });
    const x = tf.ones([64, 2, 2, 3]);
    const inference = layer.apply(x) as tf.Tensor;
    expect(Array.from(inference.dataSync()).every((v) => v === 1)).toBe(true);
    const train = layer.apply(x, { training: true }) as tf.Tensor;
    const rows = (tf.reshape(train, [64, 12]).arraySync() as number[][]).map((r) => new Set(r));
    for (const r of rows) expect([...r].length === 1 && [0, 2].includes([...r][0]!)).toBe(true);
    const kept = rows.filter((r) => r.has(2)).length;
    expect(kept).toBeGreaterThan(16); // binomial(64, 0.5): 32 ± 4 standard deviations
    expect(kept).toBeLessThan(48);
    expect(() => new SevarStochasticDepth({ rate: 1 })).toThrow(ModelConfigError);
    tf.dispose([x, inference, train]);
  });
});

describe('the new models', () => {
  it('are in the registry; MobileNetV3 and EfficientNet have a built-in attention', () => {
    expect(MODEL_NAMES).toEqual([
      'cnn3',
      'resnet18',
      'resnet34',
      'resnet50',
      'mobilenet_v2',
      'mobilenet_v3_small',
      'mobilenet_v3_large',
      'efficientnet_b0',
    ]);
    expect(MODEL_NAMES.filter(hasBuiltInAttention)).toEqual([
      'mobilenet_v3_small',
      'mobilenet_v3_large',
      'efficientnet_b0',
    ]);
  });

  it("attention absent keeps torchvision's SE, null or 'none' removes it, a key replaces it", () => {
    const small = (attention?: 'se' | 'none' | null) =>
      mobilenetV3Small({
        numClasses: 10,
        inputShape: [32, 32, 3],
        ...(attention === undefined ? {} : { attention }),
      });
    const classes = (m: tfl.LayersModel) =>
      m.layers.filter((l) => l.name.endsWith('_attention')).map((l) => l.getClassName());
    const [builtIn, none, off, se] = [small(), small(null), small('none'), small('se')];
    expect([builtIn.name, none.name, off.name, se.name]).toEqual([
      'mobilenet_v3_small',
      'mobilenet_v3_small_none',
      'mobilenet_v3_small_none',
      'mobilenet_v3_small_se',
    ]);
    // 9 of the 11 blocks have an SE in torchvision's table; the module replaces exactly those.
    expect(classes(builtIn)).toEqual(Array(9).fill('SevarSqueezeExcitation'));
    expect(classes(none)).toEqual([]);
    expect(classes(se)).toEqual(Array(9).fill('SevarSqueezeExcite'));
    [builtIn, none, off, se].forEach((m) => m.dispose());
  });

  it('width multiplier and the input sizes torchvision allows (any side >= 1)', () => {
    const half = mobilenetV2({ numClasses: 10, widthMultiplier: 0.5, inputShape: [1, 1, 3] });
    expect(half.getLayer('stem_conv').weights[0]!.shape).toEqual([3, 3, 3, 16]);
    expect(half.getLayer('head_conv').weights[0]!.shape).toEqual([1, 1, 160, 1280]);
    half.dispose();
    const e = () => efficientnetB0({ numClasses: 10, inputShape: [0, 32, 3] });
    expect(e).toThrow(ModelConfigError);
    expect(() => mobilenetV3Large({ numClasses: 10, widthMultiplier: 0 })).toThrow(
      /widthMultiplier/,
    );
    expect(() => efficientnetB0({ numClasses: 10, widthMultiplier: 2 } as never)).toThrow(
      /option 'widthMultiplier'/,
    );
    expect(() => mobilenetV2({ numClasses: 10, dropout: 1 })).toThrow(/dropout/);
    expect(() => mobilenetV2({ numClasses: 10, attention: 'sse' as never })).toThrow(
      UnknownAttentionError,
    );
  });

  it.each([
    [
      'mobilenet_v2 bump',
      () => mobilenetV2({ attention: 'bump', numClasses: 10, inputShape: [16, 16, 3] }),
      16,
    ],
    [
      'mobilenet_v3_large built-in',
      () => mobilenetV3Large({ numClasses: 10, inputShape: [16, 16, 3] }),
      16,
    ],
    [
      'efficientnet_b0 built-in',
      () => efficientnetB0({ numClasses: 10, inputShape: [16, 16, 3] }),
      16,
    ],
  ] as const)('%s: save -> load round trip (tf.io in memory)', async (_name, build, side) => {
    const before = tf.memory().numTensors;
    const model = build();
    fillDeterministic(model, 5);
    const x = tf.randomUniform([2, side, side, 3], -1, 1, 'float32', 3);
    const expected = predict(model, x);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.layers.map((l) => [l.name, l.getClassName()])).toEqual(
      model.layers.map((l) => [l.name, l.getClassName()]),
    );
    expect(predict(loaded, x)).toEqual(expected);
    expect(describeModel(loaded)).toEqual(describeModel(model));
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('one SGD step in training mode moves every trainable weight and the BN statistics (mobilenet_v3_small, 16x16)', () => {
    const model = createModel('mobilenet_v3_small', {
      numClasses: 10,
      inputShape: [16, 16, 3],
      dropout: 0,
    });
    fillDeterministic(model, 21);
    const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
    const stat = () => model.getLayer('block5_dw_bn').getWeights()[2]!.dataSync().slice();
    const statBefore = stat();
    const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 11);
    const labels = tf.oneHot(tf.tensor1d([1, 4], 'int32'), 10);
    const opt = tf.train.sgd(0.1);
    const cost = opt.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          labels,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      true,
    );
    expect(Number.isFinite(cost!.dataSync()[0])).toBe(true);
    const unchanged = model.trainableWeights
      .filter((w, i) =>
        w
          .read()
          .dataSync()
          .every((v, j) => v === before[i]![j]),
      )
      .map((w) => w.originalName);
    expect(unchanged).toEqual([]);
    expect(stat()).not.toEqual(statBefore);
    tf.dispose([cost!, x, labels]);
    opt.dispose();
    model.dispose();
  });
});

describe('batch norms train fused (fuseBatchNormTraining of @sevar/layers)', () => {
  const FUSED = Symbol.for('sevar.fusedBatchNormTraining');
  const batchNorms = (model: tfl.LayersModel) =>
    model.layers.filter((l) => l.getClassName() === 'BatchNormalization');

  it.each(MODEL_NAMES.filter((n) => n !== 'cnn3'))('%s builds every batch norm fused', (name) => {
    const options: Record<string, unknown> = { numClasses: 10, inputShape: [32, 32, 3] };
    if (name.startsWith('resnet')) options.stem = 'cifar';
    const model = createModel(name, options as never);
    const bns = batchNorms(model);
    expect(bns.length).toBeGreaterThan(0);
    for (const bn of bns)
      expect((bn as unknown as Record<symbol, { on: boolean }>)[FUSED]?.on).toBe(true);
    model.dispose();
  });
  // On cpu, where the two compositions round alike: on wasm the Winograd convolutions' 1e-5
  // rounding flips a few ReLUs, which moves the last stages' gradients (8 values per channel
  // here) by percents on either path.
  it('resnet18 (cifar stem, 8x8, batch 8): training gradients equal the unfused batch norms', () => {
    registerCpuTrainingKernels();
    const model = createModel('resnet18', { numClasses: 10, stem: 'cifar', inputShape: [8, 8, 3] });
    const x = tf.randomUniform([8, 8, 8, 3], -1, 1, 'float32', 8);
    const labels = tf.oneHot(tf.tensor1d([3, 8, 1, 0, 5, 9, 2, 7], 'int32'), 10);
    const gradients = () => {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads, value } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.apply(x, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        vars,
      );
      const out = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const fused = gradients();
    expect(fuseBatchNormTraining(model, false)).toBe(batchNorms(model).length);
    const stock = gradients();
    const names = model.trainableWeights.map((w) => w.originalName);
    stock.forEach((g, i) => expect(relativeError(fused[i]!, g), names[i]).toBeLessThan(1e-4));
    unregisterCpuTrainingKernels();
    tf.dispose([x, labels]);
    model.dispose();
  });
});
