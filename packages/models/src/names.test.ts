import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useCpu } from './__tests__/helpers.js';
import { cnn3 } from './cnn3.js';
import { MODEL_NAMES, createModel, isModelName, modelOptionNames } from './registry.js';
import { resnet18, resnet34 } from './resnet.js';

beforeAll(useCpu);

describe('stable layer names', () => {
  it('cnn3', () => {
    const m = cnn3({ attention: 'bump', numClasses: 10 });
    expect(m.name).toBe('cnn3_bump');
    expect(m.layers.map((l) => l.name)).toEqual([
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
    expect(m.getLayer('attention').getClassName()).toBe('SevarBump');
    m.dispose();
    const r = cnn3({ attention: 'se', numClasses: 10, attentionPlacement: 'replace-conv2' });
    expect(r.layers.map((l) => l.name)).toEqual([
      'input',
      'conv1',
      'pool1',
      'attention',
      'pool2',
      'conv3',
      'flatten',
      'fc1',
      'fc2',
    ]);
    expect(r.getLayer('conv3').weights[0]!.shape).toEqual([3, 3, 32, 64]);
    r.dispose();
  });

  it('resnet18: stem, blocks with strided padding and shortcuts, head; same names on every build', () => {
    const names = () => {
      const m = resnet18({
        attention: 'se',
        numClasses: 10,
        stem: 'imagenet',
        inputShape: [32, 32, 3],
      });
      const out = {
        model: m.name,
        layers: m.layers.map((l) => l.name),
        weights: m.weights.map((w) => w.originalName),
      };
      m.dispose();
      return out;
    };
    const a = names();
    expect(a.model).toBe('resnet18_imagenet_se');
    expect(a.layers.slice(0, 7)).toEqual([
      'input',
      'stem_pad',
      'stem_conv',
      'stem_bn',
      'stem_relu',
      'stem_pool_pad',
      'stem_pool',
    ]);
    // model.layers is in topological order, so the shortcut interleaves with the branch.
    expect(a.layers.filter((n) => n.startsWith('stage2_block1_'))).toEqual([
      'stage2_block1_conv1_pad',
      'stage2_block1_conv1',
      'stage2_block1_bn1',
      'stage2_block1_relu1',
      'stage2_block1_conv2',
      'stage2_block1_bn2',
      'stage2_block1_shortcut_conv',
      'stage2_block1_attention',
      'stage2_block1_shortcut_bn',
      'stage2_block1_add',
      'stage2_block1_relu2',
    ]);
    expect(a.layers.slice(-2)).toEqual(['head_pool', 'head_fc']);
    expect(a.layers.filter((n) => n.endsWith('_attention'))).toHaveLength(8);
    // Only the first block of stages 2-4 changes stride or width.
    expect(a.layers.filter((n) => n.endsWith('_shortcut_conv'))).toEqual([
      'stage2_block1_shortcut_conv',
      'stage3_block1_shortcut_conv',
      'stage4_block1_shortcut_conv',
    ]);
    expect(a.weights).toContain('stage3_block2_attention/fc2/kernel');
    expect(a.weights).toContain('stage1_block1_bn1/moving_variance');
    // A second build (tfjs uniquifies variable names internally) keeps the same original names.
    expect(names()).toEqual(a);
  });

  it('resnet34 has [3, 4, 6, 3] blocks; post-add puts the attention after the block output', () => {
    const m = resnet34({
      attention: 'slow-excite',
      numClasses: 10,
      stem: 'cifar',
      placement: 'post-add',
      inputShape: [8, 8, 3],
    });
    const blocks = new Set(
      m.layers.map((l) => /^(stage\d_block\d+)_/.exec(l.name)?.[1]).filter(Boolean),
    );
    expect(
      [1, 2, 3, 4].map((s) => [...blocks].filter((b) => b!.startsWith(`stage${s}_`)).length),
    ).toEqual([3, 4, 6, 3]);
    const att = m.getLayer('stage3_block6_attention');
    expect(att.inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual(['stage3_block6_relu2']);
    expect(m.name).toBe('resnet34_cifar_slow-excite_post_add');
    m.dispose();
    const pre = resnet18({ attention: 'se', numClasses: 10, stem: 'cifar', inputShape: [8, 8, 3] });
    expect(
      pre.getLayer('stage1_block1_attention').inboundNodes[0]!.inboundLayers.map((l) => l.name),
    ).toEqual(['stage1_block1_bn2']);
    expect(
      pre.getLayer('stage1_block1_add').inboundNodes[0]!.inboundLayers.map((l) => l.name),
    ).toEqual([
      'stage1_block1_attention',
      'stem_relu', // identity shortcut: same width, stride 1
    ]);
    pre.dispose();
  });

  it('BN layers use PyTorch semantics (momentum 0.1 in torch = 0.9 in tfjs, epsilon 1e-5); convs have no bias', () => {
    const m = resnet18({ numClasses: 10, stem: 'cifar', inputShape: [8, 8, 3] });
    const cfg = m.getLayer('stage2_block1_shortcut_bn').getConfig();
    expect([cfg.momentum, cfg.epsilon]).toEqual([0.9, 1e-5]);
    expect(m.getLayer('stage2_block1_conv1').weights.map((w) => w.shape)).toEqual([
      [3, 3, 64, 128],
    ]);
    expect(m.getLayer('stage2_block1_conv1_pad').outputShape).toEqual([null, 10, 10, 64]);
    expect(m.getLayer('stage2_block1_conv1').outputShape).toEqual([null, 4, 4, 128]);
    m.dispose();
  });
});

describe('registry', () => {
  it('names every zoo model and builds the same models as the named functions', () => {
    expect(MODEL_NAMES.slice(0, 3)).toEqual(['cnn3', 'resnet18', 'resnet34']);
    expect(isModelName('resnet18')).toBe(true);
    expect(isModelName('toString')).toBe(false);
    const before = tf.memory().numTensors;
    const a = createModel('cnn3', { attention: 'slow-squeeze', numClasses: 100 });
    const b = cnn3({ attention: 'slow-squeeze', numClasses: 100 });
    expect(a.weights.map((w) => [w.originalName, w.shape])).toEqual(
      b.weights.map((w) => [w.originalName, w.shape]),
    );
    a.dispose();
    b.dispose();
    const r = createModel('resnet34', { numClasses: 10, stem: 'cifar', inputShape: [8, 8, 3] });
    expect(r.name).toBe('resnet34_cifar');
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('option names and the attention choice', () => {
  it('modelOptionNames says which models have a stem choice', () => {
    expect(modelOptionNames('cnn3')).not.toContain('stem');
    expect(modelOptionNames('resnet18')).toContain('stem');
    expect(modelOptionNames('resnet34')).toContain('stem');
    // The list is the one the model checks: every name in it is accepted, another one is not.
    expect(() => cnn3({ numClasses: 10, stem: 'cifar' } as never)).toThrow(/option 'stem'/);
  });

  it("attention 'none' builds the same model as null", () => {
    const a = cnn3({ attention: 'none', numClasses: 10 });
    const b = cnn3({ attention: null, numClasses: 10 });
    expect(a.name).toBe('cnn3');
    expect(a.layers.map((l) => l.name)).toEqual(b.layers.map((l) => l.name));
    a.dispose();
    b.dispose();
    const r = resnet18({ attention: 'none', numClasses: 10, stem: 'cifar', inputShape: [8, 8, 3] });
    expect(r.name).toBe('resnet18_cifar');
    r.dispose();
  });
});
