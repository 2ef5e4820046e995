import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import cnn3Cases from './__fixtures__/parity_cnn3.json' with { type: 'json' };
import resnetCases from './__fixtures__/parity_resnet18.json' with { type: 'json' };
import {
  buildFromReference,
  hashValues,
  PARITY_BACKENDS,
  relativeError,
  type CountRow,
} from './__tests__/helpers.js';

interface TensorSpec {
  name: string;
  kind: string;
  shape: number[];
  seed: number;
  lo: number;
  hi: number;
}

interface ParityCase {
  model: CountRow['model'];
  attention: CountRow['attention'];
  placement: CountRow['placement'];
  numClasses: number;
  input: { shape: number[]; seed: number; lo: number; hi: number };
  tensors: TensorSpec[];
  logits: number[][];
}

const TOLERANCE = 1e-4;

/** PyTorch module path → tfjs layer name (the naming scheme is part of the public contract). */
function tfjsLayerName(torchModule: string): string {
  if (torchModule === 'conv1') return 'stem_conv';
  if (torchModule === 'bn1') return 'stem_bn';
  if (torchModule === 'fc') return 'head_fc';
  const block = /^layer(\d)\.(\d+)\.(.+)$/.exec(torchModule);
  if (!block) throw new Error(`unmapped PyTorch module ${torchModule}`);
  const [, stage, index, rest] = block;
  const suffix: Record<string, string> = {
    conv1: 'conv1',
    bn1: 'bn1',
    conv2: 'conv2',
    bn2: 'bn2',
    'shortcut.0': 'shortcut_conv',
    'shortcut.1': 'shortcut_bn',
    attention: 'attention',
  };
  return `stage${stage}_block${Number(index) + 1}_${suffix[rest!] ?? `?${rest}`}`;
}

/**
 * Converts one PyTorch tensor to the tfjs layout: conv [Co,Ci,KH,KW] → [KH,KW,Ci,Co], linear
 * [out,in] → [in,out]; cnn3's fc1 additionally has its rows reordered from C,H,W to H,W,C.
 */
function toTfjs(spec: TensorSpec, torchValues: tf.Tensor, fc1InputHW: number | null): tf.Tensor {
  if (spec.shape.length === 4) return tf.transpose(torchValues, [2, 3, 1, 0]);
  if (spec.shape.length !== 2) return torchValues.clone();
  if (fc1InputHW === null) return tf.transpose(torchValues);
  const [out, inUnits] = spec.shape as [number, number];
  const hw = fc1InputHW;
  const c = inUnits / (hw * hw);
  return tf.reshape(tf.transpose(tf.reshape(torchValues, [out, c, hw, hw]), [2, 3, 1, 0]), [
    inUnits,
    out,
  ]);
}

/** tfjs weight slot of a PyTorch parameter: `[layer name, weight name]`. */
function slot(c: ParityCase, torchName: string): [string, string] {
  const parts = torchName.split('.');
  const leaf = parts.pop()!;
  let module = parts.join('.');
  let weight = {
    weight: 'kernel',
    bias: 'bias',
    running_mean: 'moving_mean',
    running_var: 'moving_variance',
  }[leaf]!;
  const fc = /^(.*)attention\.fcs\.(\d+)$/.exec(module);
  if (fc) {
    module = `${fc[1]}attention`;
    weight = `fc${Number(fc[2]) + 1}/${weight}`;
  }
  const isBn = /(^|\.)bn\d$|shortcut\.1$/.test(module);
  if (isBn && leaf === 'weight') weight = 'gamma';
  if (isBn && leaf === 'bias') weight = 'beta';
  // cnn3's PyTorch module names (conv1, fc1, attention, ...) are its tfjs layer names.
  return [c.model === 'cnn3' ? module : tfjsLayerName(module), weight];
}

function loadReferenceWeights(c: ParityCase, model: tfl.LayersModel): void {
  const byName = new Map<string, tf.Tensor>();
  const fc1HW = c.model === 'cnn3' ? (model.getLayer('conv3').outputShape as number[])[1]! : null;
  tf.tidy(() => {
    for (const spec of c.tensors) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const t = tf.tensor(hashValues(spec.seed, n, spec.lo, spec.hi), spec.shape);
      const [layer, weight] = slot(c, spec.name);
      const key = `${layer}/${weight}`;
      expect(byName.has(key), `${spec.name} maps onto ${key} twice`).toBe(false);
      byName.set(key, tf.keep(toTfjs(spec, t, spec.name === 'fc1.weight' ? fc1HW : null)));
    }
  });
  const values = model.weights.map((w) => {
    const t = byName.get(w.originalName);
    if (!t) throw new Error(`no PyTorch tensor for tfjs weight ${w.originalName}`);
    byName.delete(w.originalName);
    return t;
  });
  // Every PyTorch tensor found its tfjs weight and vice versa.
  expect([...byName.keys()]).toEqual([]);
  model.setWeights(values);
  tf.dispose(values);
}

async function runCase(c: ParityCase): Promise<number> {
  const before = tf.memory().numTensors;
  const hw = c.input.shape[2]!;
  const model = buildFromReference(c, hw);
  loadReferenceWeights(c, model);
  const logits = tf.tidy(() => {
    const n = c.input.shape.reduce((a, b) => a * b, 1);
    const nchw = tf.tensor(hashValues(c.input.seed, n, c.input.lo, c.input.hi), c.input.shape);
    return model.predict(tf.transpose(nchw, [0, 2, 3, 1])) as tf.Tensor;
  });
  // Read asynchronously: webgpu has no synchronous read in Node.
  const actual = await logits.data();
  logits.dispose();
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  const err = relativeError(actual, c.logits.flat());
  if (process.env.SEVAR_PRINT_PARITY)
    console.log(`${c.model} ${c.attention} ${c.placement}: ${err.toExponential(2)}`);
  return err;
}

// On webgpu (a software Vulkan device in the tests) the `se` cases stand for the rest: every
// case runs on cpu, and a full pass on lavapipe costs minutes of CI time.
function casesFor(backend: string, cases: ParityCase[]): ParityCase[] {
  return backend === 'webgpu' ? cases.filter((c) => c.attention === 'se') : cases;
}

const label = (c: ParityCase) =>
  `${c.model} ${c.attention ?? 'no attention'}, ${c.placement}, input ${c.input.shape.join('x')}`;

describe.each(PARITY_BACKENDS)(
  'forward parity with PyTorch on %s (BN in eval mode, non-trivial running statistics)',
  (backend) => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });

    it.each(casesFor(backend, cnn3Cases.cases as ParityCase[]).map((c) => [label(c), c] as const))(
      '%s: logits within 1e-4 relative',
      async (_l, c) => {
        expect(await runCase(c)).toBeLessThan(TOLERANCE);
      },
    );

    it.each(
      casesFor(backend, resnetCases.cases as ParityCase[]).map((c) => [label(c), c] as const),
    )('%s: logits within 1e-4 relative', async (_l, c) => {
      expect(await runCase(c)).toBeLessThan(TOLERANCE);
    });

    it('the fixtures cover null, se and bump for both models', () => {
      for (const cases of [cnn3Cases.cases, resnetCases.cases] as ParityCase[][]) {
        const pre = cases.filter(
          (c) =>
            (c.model === 'cnn3' || c.model === 'resnet18-cifar') &&
            c.placement !== 'post-add' &&
            c.placement !== 'replace-conv2',
        );
        expect(pre.map((c) => c.attention)).toEqual([null, 'se', 'bump']);
      }
    });
  },
);
