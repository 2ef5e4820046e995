import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from './__tests__/helpers.js';
import {
  AttentionConfigError,
  AttentionInputError,
  SevarLayersError,
  UnknownVariantError,
} from './errors.js';
import { attentionKeys, createAttention, getVariant, VARIANT_NAMES } from './registry.js';

beforeAll(async () => useBackend('cpu'));

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SevarLayersError);
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('unknown variant names', () => {
  it('lists every valid name and echoes the received one', () => {
    const e = thrown(() => createAttention('squeeze-excite'));
    expect(e).toBeInstanceOf(UnknownVariantError);
    // Every registered key: the paper's five first, then the zoo.
    expect(e.message).toBe(
      `attention module: expected one of ${attentionKeys()
        .map((k) => `'${k}'`)
        .join(', ')}, received "squeeze-excite"`,
    );
    expect(e.message).toMatch(/^attention module: expected one of 'se', 'slow-squeeze', .*'eca'/);
    for (const name of VARIANT_NAMES) expect(e.message).toContain(`'${name}'`);
    expect((e as UnknownVariantError).received).toBe('squeeze-excite');
    expect((e as UnknownVariantError).validNames).toEqual(attentionKeys());
  });

  it('rejects non-string names', () => {
    expect(thrown(() => getVariant(42 as unknown as string)).message).toMatch(
      /^attention module: expected one of .*, received 42$/,
    );
  });
});

describe('bad options', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['se', { reduction: 0 }, 'reduction', /integer >= 1, received 0$/],
    ['se', { reduction: 2.5 }, 'reduction', /received 2.5/],
    ['bump', { reduction: '16' }, 'reduction', /received "16"$/],
    ['se', { minChannels: -1 }, 'minChannels', /integer >= 1, received -1$/],
    ['slow-excite', { midDivisor: 0 }, 'midDivisor', /received 0/],
    [
      'se',
      { gateActivation: 'relu' },
      'gateActivation',
      /'sigmoid', 'hard-sigmoid', received "relu"$/,
    ],
    ['se', { hiddenUnits: [4, 4] }, 'hiddenUnits', /1 positive integer\(s\).*received \[4,4\]$/],
    [
      'slow-squeeze',
      { hiddenUnits: [8, 0] },
      'hiddenUnits',
      /2 positive integer\(s\).*\(h, m\).*received \[8,0\]$/,
    ],
    ['bump', { bumpKind: 'conv5x5' }, 'bumpKind', /'dense', 'conv3x3', received "conv5x5"$/],
    [
      'se',
      { kernelInitializer: 'glorot' },
      'kernelInitializer',
      /glorotUniform.*received "glorot"$/,
    ],
    [
      'se',
      { biasInitializer: { className: 'NoSuchInit', config: {} } },
      'biasInitializer',
      /received "NoSuchInit"$/,
    ],
    ['se', { kernelRegularizer: 'l2' }, 'kernelRegularizer', /tfjs regularizer.*received "l2"$/],
  ];
  it.each(cases)(
    '%s %j names option %s, expected and received',
    (variant, options, option, pattern) => {
      const e = thrown(() => createAttention(variant, options));
      expect(e).toBeInstanceOf(AttentionConfigError);
      expect(e.message).toContain(`${variant}: option '${option}'`);
      expect(e.message).toMatch(pattern);
    },
  );

  it.each(['slow-squeeze', 'slow-excite', 'slow-squeeze-slow-excite'])(
    '%s rejects r < 2 and says why',
    (variant) => {
      const e = thrown(() => createAttention(variant, { reduction: 1 }));
      expect(e.message).toBe(
        `${variant}: option 'reduction': expected an integer >= 2 for a slow variant (its slow step has floor(C / floor(reduction / 2)) units), received 1`,
      );
    },
  );

  it('accepts r = 1 without a slow step, and r < 2 with explicit hidden units', () => {
    expect(createAttention('se', { reduction: 1 }).fcWidths(8)).toEqual([8, 8, 8]);
    expect(createAttention('bump', { reduction: 1 }).fcWidths(8)).toEqual([8, 8, 8, 8]);
    expect(
      createAttention('slow-excite', { reduction: 1, hiddenUnits: [2, 3] }).fcWidths(8),
    ).toEqual([8, 2, 3, 8]);
  });
});

describe('bad inputs', () => {
  it.each(VARIANT_NAMES)(
    '%s rejects a rank-3 input with its name and the received shape',
    (variant) => {
      const name = `bad_${variant.replace(/-/g, '_')}`;
      const layer = createAttention(variant, { reduction: 2, name });
      const x = tf.zeros([4, 4, 8]);
      const e = thrown(() => layer.apply(x));
      expect(e).toBeInstanceOf(AttentionInputError);
      expect(e.message).toBe(
        `${variant} (layer '${name}'): expected a rank-4 NHWC input [batch, height, width, channels], received [4,4,8]`,
      );
      x.dispose();
    },
  );

  it('rejects a symbolic input with unknown channels', () => {
    const input = tfl.input({ shape: [8, 8, null as unknown as number] });
    const e = thrown(() => createAttention('se', { name: 'att' }).apply(input));
    expect(e.message).toBe(
      "se (layer 'att'): expected a known channel count (last axis of the NHWC input), received [null,8,8,null]",
    );
  });

  it('rejects a rank-2 symbolic input', () => {
    const input = tfl.input({ shape: [16] });
    expect(thrown(() => createAttention('bump').apply(input)).message).toMatch(
      /received \[null,16\]$/,
    );
  });

  it('rejects a later input whose channels differ from the built ones', () => {
    const layer = createAttention('slow-excite', { reduction: 4, name: 'att' });
    const a = tf.zeros([1, 2, 2, 8]);
    const b = tf.zeros([1, 2, 2, 12]);
    tf.dispose(layer.apply(a) as tf.Tensor);
    const e = thrown(() => layer.apply(b));
    expect(e.message).toBe(
      "slow-excite (layer 'att'): expected a rank-4 NHWC input with 8 channels (the layer was built for that), received [1,2,2,12]",
    );
    tf.dispose([a, b]);
  });
});
