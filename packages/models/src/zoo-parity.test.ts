import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import fixture from './__fixtures__/zoo_parity.json' with { type: 'json' };
import { buildZooFromReference, hashValues, relativeError, useCpu } from './__tests__/helpers.js';

/** A tensor drawn from the hash in PyTorch layout, then permuted into tfjs's. */
interface HashedSpec {
  torch: string;
  tfjs: string;
  shape: number[];
  perm: number[] | null;
  tfjsShape: number[];
  seed: number;
  lo: number;
  hi: number;
}

/** A zoo module's weight, stored in @sevar/layers order and layout: `tfjs` is `<layer>#<index>`. */
interface StoredSpec {
  tfjs: string;
  values: number[];
  tfjsShape: number[];
}

type TensorSpec = HashedSpec | StoredSpec;

interface ZooCase {
  model: string;
  attention: string | null;
  numClasses: number;
  input: { shape: number[]; seed: number; lo: number; hi: number };
  tensors: TensorSpec[];
  logits: number[][];
}

const TOLERANCE = 1e-4;
const cases = fixture.cases as ZooCase[];

beforeAll(useCpu);

/**
 * `data` (row-major, `shape`) with its axes permuted as `tf.transpose(x, perm)` does. Plain loops:
 * the cpu backend's generic transpose takes seconds on ResNet-50's 25M weights.
 */
function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // Stride in the input of each output axis.
  const strides = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src]!;
    for (let a = rank - 1; a >= 0; a--) {
      index[a]!++;
      src += strides[a]!;
      if (index[a]! < outShape[a]!) break;
      src -= strides[a]! * outShape[a]!;
      index[a] = 0;
    }
  }
  return out;
}

/** Sets every weight of `model` from the PyTorch tensors of `c`, in tfjs layout. */
function loadReferenceWeights(c: ZooCase, model: tfl.LayersModel): void {
  const byName = new Map<string, tf.Tensor>();
  for (const spec of c.tensors) {
    let name = spec.tfjs;
    let data: Float32Array;
    if ('values' in spec) {
      const [layer, index] = spec.tfjs.split('#') as [string, string];
      name = model.getLayer(layer).weights[Number(index)]!.originalName;
      data = Float32Array.from(spec.values);
    } else {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const torchValues = hashValues(spec.seed, n, spec.lo, spec.hi);
      data = spec.perm ? permute(torchValues, spec.shape, spec.perm) : torchValues;
    }
    expect(byName.has(name), `two tensors map onto ${name}`).toBe(false);
    byName.set(name, tf.tensor(data, spec.tfjsShape));
  }
  const values = model.weights.map((w) => {
    const t = byName.get(w.originalName);
    if (!t) throw new Error(`no PyTorch tensor for tfjs weight ${w.originalName}`);
    byName.delete(w.originalName);
    expect(t.shape, w.originalName).toEqual(w.shape);
    return t;
  });
  // Every PyTorch tensor found its tfjs weight and vice versa.
  expect([...byName.keys()]).toEqual([]);
  model.setWeights(values);
  tf.dispose(values);
}

function runCase(c: ZooCase): number {
  const before = tf.memory().numTensors;
  const model = buildZooFromReference(c.model, c.attention, c.numClasses, c.input.shape[2]!);
  loadReferenceWeights(c, model);
  const logits = tf.tidy(() => {
    const n = c.input.shape.reduce((a, b) => a * b, 1);
    const nchw = tf.tensor(hashValues(c.input.seed, n, c.input.lo, c.input.hi), c.input.shape);
    return model.predict(tf.transpose(nchw, [0, 2, 3, 1])) as tf.Tensor;
  });
  const actual = logits.dataSync();
  logits.dispose();
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  const err = relativeError(actual, c.logits.flat());
  if (process.env.SEVAR_PRINT_PARITY)
    console.log(`${c.model} ${c.attention}: ${err.toExponential(2)}`);
  return err;
}

describe('torchvision forward parity (BN in eval mode, non-trivial running statistics)', () => {
  it.each(
    cases.map(
      (c) =>
        [
          `${c.model} ${c.attention ?? 'no attention'}, input ${c.input.shape.join('x')}`,
          c,
        ] as const,
    ),
  )('%s: logits within 1e-4 relative', (_label, c) => {
    expect(runCase(c)).toBeLessThan(TOLERANCE);
  });

  it('the test permutation is tf.transpose', () => {
    const x = tf.tensor(
      Float32Array.from({ length: 120 }, (_, i) => i),
      [2, 3, 4, 5],
    );
    for (const perm of [
      [2, 3, 1, 0],
      [2, 3, 0, 1],
      [0, 1, 2, 3],
    ]) {
      const expected = tf.transpose(x, perm);
      expect(Array.from(permute(x.dataSync() as Float32Array, x.shape, perm))).toEqual(
        Array.from(expected.dataSync()),
      );
      expected.dispose();
    }
    x.dispose();
  });

  it('covers every new model, with and without attention, and the built-in SE where there is one', () => {
    const byModel = new Map<string, (string | null)[]>();
    for (const c of cases) {
      const model = c.model.replace(/-(cifar|imagenet)$/, '');
      byModel.set(model, [...(byModel.get(model) ?? []), c.attention]);
    }
    expect(Object.fromEntries(byModel)).toEqual({
      resnet50: [null, 'se'],
      mobilenet_v2: [null, 'se'],
      mobilenet_v3_small: ['built-in', null, 'se', 'eca'],
      mobilenet_v3_large: ['built-in', 'se'],
      efficientnet_b0: ['built-in', null, 'se', 'eca'],
    });
  });
});
