import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import counts from './__fixtures__/param_counts.json' with { type: 'json' };
import { buildFromReference, useCpu, type CountRow } from './__tests__/helpers.js';
import { cnn3 } from './cnn3.js';
import { describeModel } from './describe.js';
import { resnet18 } from './resnet.js';

const rows = counts.rows as CountRow[];

beforeAll(useCpu);

describe('describeModel against the PyTorch reference (reference/gen_fixtures.py)', () => {
  it('covers every variant (and none) x model x class count', () => {
    const models = new Set(rows.map((r) => `${r.model}/${r.placement}`));
    expect([...models].sort()).toEqual([
      'cnn3/after-conv2',
      'cnn3/replace-conv2',
      'resnet18-cifar/pre-add',
      'resnet18-imagenet/pre-add',
      'resnet34-cifar/pre-add',
      'resnet34-imagenet/pre-add',
    ]);
    // cnn3 and resnet18 x 6 attention x 3 class counts, replace-conv2 x 5 x 3, resnet34 x 6 x 1
    expect(rows).toHaveLength(3 * 6 * 3 + 5 * 3 + 2 * 6);
  });

  it('hits the SPEC anchors', () => {
    const find = (model: string, attention: string | null, k: number) =>
      rows.find(
        (r) =>
          r.model === model &&
          r.attention === attention &&
          r.numClasses === k &&
          r.placement !== 'replace-conv2',
      )!.trainableParams;
    expect(find('cnn3', null, 10)).toBe(122_570);
    expect(find('cnn3', 'se', 10)).toBe(123_150);
    expect(find('resnet18-imagenet', null, 1000)).toBe(11_689_512);
    expect(find('resnet18-cifar', null, 10)).toBe(11_173_962);
  });

  // Building a ResNet initialises ~11-22M weights; one model at a time, disposed right after.
  it.each(
    rows.map(
      (r) => [`${r.model} ${r.placement} ${r.attention ?? 'none'} ${r.numClasses}`, r] as const,
    ),
  )('%s: trainable params, BN statistics and MACs equal PyTorch', (_label, row) => {
    const before = tf.memory().numTensors;
    const model = buildFromReference(row);
    const d = describeModel(model);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect({ params: d.trainableParams, bn: d.nonTrainableParams, macs: d.macsPerImage }).toEqual({
      params: row.trainableParams,
      bn: row.bnStatistics,
      macs: row.macsPerImage,
    });
  });
});

describe('describeModel layer rows', () => {
  it('lists every layer with its shape, params and MACs (cnn3 with se, by hand)', () => {
    const model = cnn3({ attention: 'se', numClasses: 10 });
    const d = describeModel(model);
    model.dispose();
    const row = (name: string) => d.layers.find((l) => l.name === name)!;
    expect(d.layers.map((l) => l.name)).toEqual([
      'input',
      'conv1',
      'pool1',
      'conv2',
      'attention',
      'pool2',
      'conv3',
      'flatten',
      'fc1',
      'fc2',
    ]);
    expect(row('conv1')).toMatchObject({
      className: 'Conv2D',
      outputShape: [30, 30, 32],
      trainableParams: 896,
      macs: 30 * 30 * 32 * 27,
    });
    expect(row('attention')).toMatchObject({
      outputShape: [13, 13, 64],
      trainableParams: 64 * 4 + 4 + 4 * 64 + 64,
      macs: 2 * 64 * 4,
    });
    expect(row('pool2')).toMatchObject({ outputShape: [6, 6, 64], trainableParams: 0, macs: 0 });
    expect(row('fc1')).toMatchObject({
      outputShape: [64],
      trainableParams: 1024 * 64 + 64,
      macs: 1024 * 64,
    });
    expect(d.macsPerImage).toBe(d.layers.reduce((a, l) => a + l.macs, 0));
  });

  it('counts BN moving statistics as non-trainable and MACs scale with the input area', () => {
    const small = resnet18({ numClasses: 10, stem: 'cifar', inputShape: [16, 16, 3] });
    const ds = describeModel(small);
    small.dispose();
    const bn = ds.layers.filter((l) => l.className === 'BatchNormalization');
    expect(ds.nonTrainableParams).toBe(bn.reduce((a, l) => a + l.trainableParams, 0));
    const convMacs = ds.layers
      .filter((l) => l.className === 'Conv2D')
      .reduce((a, l) => a + l.macs, 0);
    const fc = rows.find(
      (r) => r.model === 'resnet18-cifar' && r.attention === null && r.numClasses === 10,
    )!;
    // 16x16 has a quarter of 32x32's positions at every layer; the head FC does not scale.
    expect(convMacs * 4 + 512 * 10).toBe(fc.macsPerImage);
  });
});
