import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from './__tests__/helpers.js';
import { AttentionConfigError, SevarLayersError, UnknownOptionError } from './errors.js';
import { createAttention, VARIANT_NAMES } from './registry.js';
import { SevarBump } from './variants/bump.js';
import { SevarSqueezeExcite } from './variants/se.js';

beforeAll(async () => useBackend('cpu'));

function unknownOption(fn: () => unknown): UnknownOptionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UnknownOptionError);
    expect(e).toBeInstanceOf(AttentionConfigError);
    expect(e).toBeInstanceOf(SevarLayersError);
    return e as UnknownOptionError;
  }
  throw new Error('expected a throw');
}

// What every variant accepts, written out here rather than read from the code under test.
const SHARED = [
  'reduction',
  'minChannels',
  'hiddenUnits',
  'midDivisor',
  'gateActivation',
  'gate',
  'kernelInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'biasRegularizer',
];
const LAYER_ARGS = [
  'name',
  'trainable',
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'weights',
  'inputDType',
];

describe('unknown option keys', () => {
  it('a typo names the variant and the key, lists the accepted keys and suggests the closest', () => {
    const e = unknownOption(() => createAttention('se', { reducton: 8 } as never));
    expect([e.variant, e.option, e.suggestion]).toEqual(['se', 'reducton', 'reduction']);
    expect(e.validOptions).toEqual([...SHARED, ...LAYER_ARGS]);
    expect(e.message).toBe(
      `se: expected an option of 'se' (${[...SHARED, ...LAYER_ARGS].join(', ')}), ` +
        `received "reducton". Did you mean 'reduction'?`,
    );
  });

  it.each(['se', 'slow-squeeze', 'slow-excite', 'slow-squeeze-slow-excite'])(
    "%s rejects the bump's bumpKind, saying which variant takes it",
    (variant) => {
      const e = unknownOption(() => createAttention(variant, { bumpKind: 'conv3x3' }));
      expect(e.option).toBe('bumpKind');
      expect(e.message).toMatch(
        new RegExp(`^${variant}: expected an option of '${variant}' \\(reduction, .*\\), `),
      );
      expect(e.message).toMatch(/received "bumpKind"\. 'bumpKind' is an option of 'bump', not of/);
    },
  );

  it('bump accepts bumpKind and lists it among its options', () => {
    expect(createAttention('bump', { bumpKind: 'conv3x3' })).toBeInstanceOf(SevarBump);
    const e = unknownOption(() => createAttention('bump', { bumpkind: 'dense' } as never));
    expect(e.validOptions).toContain('bumpKind');
    expect(e.suggestion).toBe('bumpKind');
  });

  it('a key far from every option gets no suggestion', () => {
    const e = unknownOption(() => createAttention('slow-excite', { units: 8 } as never));
    expect(e.suggestion).toBeUndefined();
    expect(e.message.endsWith('received "units"')).toBe(true);
  });

  it('direct construction rejects unknown keys too', () => {
    const e = unknownOption(() => new SevarSqueezeExcite({ midDivsor: 2 } as never));
    expect(e.suggestion).toBe('midDivisor');
  });

  it.each(VARIANT_NAMES)('%s accepts every shared option and the tfjs layer arguments', (v) => {
    const layer = createAttention(v, {
      reduction: 2,
      minChannels: 1,
      midDivisor: 2,
      gateActivation: 'hard-sigmoid',
      kernelInitializer: 'heNormal',
      biasInitializer: 'zeros',
      kernelRegularizer: tfl.regularizers.l2({ l2: 1e-4 }),
      biasRegularizer: null as never,
      name: `all_${v.replace(/-/g, '_')}`,
      trainable: false,
      dtype: 'float32',
      inputShape: [4, 4, 8],
    } as never);
    expect(layer.trainable).toBe(false);
    expect(layer.name).toBe(`all_${v.replace(/-/g, '_')}`);
  });

  it('a config with every key tfjs writes (batchInputShape, dtype) deserializes', () => {
    for (const v of VARIANT_NAMES) {
      const layer = createAttention(v, {
        reduction: 4,
        batchInputShape: [null, 4, 4, 8],
        dtype: 'float32',
      } as never);
      const config = layer.getConfig();
      expect(Object.keys(config)).toEqual(expect.arrayContaining(['batchInputShape', 'dtype']));
      const className = (layer.constructor as unknown as { className: string }).className;
      const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[className]!;
      expect((fromConfig(cls, config) as typeof layer).getConfig()).toEqual(config);
    }
  });
});

describe("gate: 'residual'", () => {
  it.each(VARIANT_NAMES)(
    '%s computes y = x + x·g (hand-derived with zero weights: g = σ(0))',
    (v) => {
      const layer = createAttention(v, { reduction: 2, gate: 'residual' });
      const x = tf.tensor4d([1, -2, 3, 4], [1, 1, 2, 2]);
      layer.build(x.shape);
      layer.setWeights(layer.getWeights().map((w) => tf.zerosLike(w)));
      const y = layer.apply(x) as tf.Tensor;
      // Zero weights and biases: every logit is 0, g = 0.5, y = 1.5·x.
      Array.from(y.dataSync()).forEach((e, i) => expect(e).toBeCloseTo(1.5 * [1, -2, 3, 4][i]!, 6));
      expect(layer.getConfig()['gate']).toBe('residual');
      tf.dispose([x, y]);
    },
  );

  it('rejects an unknown gate, naming the choices', () => {
    expect(() => createAttention('se', { gate: 'add' as never })).toThrow(
      /se: option 'gate': expected one of 'multiply', 'residual', received "add"/,
    );
  });
});
