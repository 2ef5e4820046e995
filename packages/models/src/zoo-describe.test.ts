import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import counts from './__fixtures__/zoo_param_counts.json' with { type: 'json' };
import { buildZooFromReference, useCpu } from './__tests__/helpers.js';
import { describeModel } from './describe.js';
import { MODEL_NAMES, hasBuiltInAttention } from './registry.js';

interface ZooCountRow {
  model: string;
  attention: string | null;
  numClasses: number;
  inputSize: number;
  trainableParams: number;
  bnStatistics: number;
  macsPerImage: number | null;
}

const rows = counts.rows as ZooCountRow[];
const NEW_MODELS = MODEL_NAMES.filter((m) => !['cnn3', 'resnet18', 'resnet34'].includes(m));

beforeAll(useCpu);

const find = (model: string, attention: string | null, k: number) =>
  rows.find((r) => r.model === model && r.attention === attention && r.numClasses === k);

describe('new models against torchvision 0.14 (reference/gen_zoo_fixtures.py)', () => {
  it("torchvision's published parameter counts (1000 classes, its default attention)", () => {
    const published: Record<string, number> = {
      resnet50: 25_557_032,
      mobilenet_v2: 3_504_872,
      mobilenet_v3_small: 2_542_856,
      mobilenet_v3_large: 5_483_032,
      efficientnet_b0: 5_288_548,
    };
    for (const model of NEW_MODELS) {
      const attention = hasBuiltInAttention(model) ? 'built-in' : null;
      expect(find(model, attention, 1000)?.trainableParams, model).toBe(published[model]);
    }
  });

  it('the fixture has every new model x attention x class count', () => {
    for (const model of NEW_MODELS) {
      const attentions = [
        ...(hasBuiltInAttention(model) ? ['built-in'] : []),
        null,
        'se',
        'eca',
        'cbam',
      ];
      for (const a of attentions) {
        for (const k of [10, 100, 1000])
          expect(find(model, a, k), `${model} ${a} ${k}`).toBeDefined();
      }
    }
  });

  // Building initialises every weight (ResNet-50: 25M, ~2 s of cpu time), and the class count
  // only changes the last dense layer: every attention is built at 1000 classes, the default
  // network (built-in SE, or none) at every class count.
  const checked = rows.filter(
    (r) =>
      r.numClasses === 1000 ||
      r.attention === (hasBuiltInAttention(r.model as never) ? 'built-in' : null),
  );
  it.each(checked.map((r) => [`${r.model} ${r.attention ?? 'none'} ${r.numClasses}`, r] as const))(
    '%s: trainable params, BN statistics and MACs (224x224) equal torchvision',
    (_label, row) => {
      const before = tf.memory().numTensors;
      const model = buildZooFromReference(row.model, row.attention, row.numClasses, row.inputSize);
      const d = describeModel(model);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect({ params: d.trainableParams, bn: d.nonTrainableParams, macs: d.macsPerImage }).toEqual(
        {
          params: row.trainableParams,
          bn: row.bnStatistics,
          macs: row.macsPerImage ?? d.macsPerImage,
        },
      );
    },
  );
});
