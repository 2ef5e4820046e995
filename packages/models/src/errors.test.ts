import * as tf from '@tensorflow/tfjs-core';
import {
  AttentionConfigError,
  attentionKeys,
  UnknownVariantError,
  VARIANT_NAMES,
} from '@sevar/layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { useCpu } from './__tests__/helpers.js';
import { cnn3, type Cnn3Options } from './cnn3.js';
import {
  ModelConfigError,
  SevarModelsError,
  UnknownAttentionError,
  UnknownModelError,
} from './errors.js';
import { MODEL_NAMES, createModel } from './registry.js';
import { buildResNet, resnet18, resnet34, type ResNetOptions } from './resnet.js';

beforeAll(useCpu);

/** Runs `f`, expects it to throw `type`, and returns the error for message checks. */
function thrown<E extends Error>(f: () => unknown, type: new (...args: never[]) => E): E {
  const before = tf.memory().numTensors;
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    expect(e).toBeInstanceOf(SevarModelsError);
    // Failing fast: nothing was built, so no weights were allocated.
    expect(tf.memory().numTensors).toBe(before);
    return e as E;
  }
  throw new Error('expected an error');
}

const cnn = (o: Partial<Cnn3Options> & Record<string, unknown>) => () =>
  cnn3({ numClasses: 10, ...o } as Cnn3Options);
const res = (o: Partial<ResNetOptions> & Record<string, unknown>) => () =>
  resnet18({ numClasses: 10, stem: 'cifar', ...o } as ResNetOptions);

describe('bad arguments fail fast with typed errors', () => {
  it('unknown attention lists every valid variant and the received value', () => {
    for (const build of [
      cnn({ attention: 'squeeze' as never }),
      res({ attention: 'squeeze' as never }),
    ]) {
      const e = thrown(build, UnknownAttentionError);
      expect(e.option).toBe('attention');
      expect(e.received).toBe('squeeze');
      expect(e.validNames).toEqual(['none', ...attentionKeys()]);
      expect(e.validNames).toEqual(expect.arrayContaining([...VARIANT_NAMES, 'eca']));
      expect(e.message).toContain('received "squeeze"');
      for (const name of VARIANT_NAMES) expect(e.message).toContain(`'${name}'`);
    }
    // Not the layers package's error: the model and option are named.
    expect(thrown(res({ attention: 'x' as never }), UnknownAttentionError)).not.toBeInstanceOf(
      UnknownVariantError,
    );
    expect(thrown(res({ attention: 'x' as never }), UnknownAttentionError).message).toMatch(
      /^resnet18: option 'attention': expected null or one of 'none', 'se', .*, received "x"$/,
    );
  });

  it.each([1, 0, -3, 2.5, '10', Number.NaN, undefined])('numClasses %s', (numClasses) => {
    for (const build of [
      cnn({ numClasses: numClasses as number }),
      res({ numClasses: numClasses as number }),
    ]) {
      const e = thrown(build, ModelConfigError);
      expect(e.option).toBe('numClasses');
      expect(e.message).toContain('an integer >= 2');
      expect(e.message).toContain(
        `received ${typeof numClasses === 'string' ? `"${numClasses}"` : String(numClasses)}`,
      );
    }
  });

  it('cnn3 input too small: 17x17 fails, 18x18 (conv3 outputs 1x1) builds; 13 / 14 with replace-conv2', () => {
    const e = thrown(cnn({ inputShape: [17, 32, 3] }), ModelConfigError);
    expect(e.message).toBe(
      "cnn3: option 'inputShape': expected at least 18x18 (conv3 must output at least 1x1 with attentionPlacement 'after-conv2'), received [17,32,3]",
    );
    const ok = cnn3({ numClasses: 10, inputShape: [18, 18, 3] });
    expect(ok.getLayer('conv3').outputShape).toEqual([null, 1, 1, 64]);
    ok.dispose();
    thrown(
      cnn({ attention: 'se', attentionPlacement: 'replace-conv2', inputShape: [13, 13, 3] }),
      ModelConfigError,
    );
    const ok2 = cnn3({
      attention: 'se',
      numClasses: 10,
      attentionPlacement: 'replace-conv2',
      inputShape: [14, 14, 3],
    });
    expect(ok2.getLayer('conv3').outputShape).toEqual([null, 1, 1, 64]);
    ok2.dispose();
  });

  it('resnet input too small for its stem: cifar needs 8x8, imagenet 32x32', () => {
    expect(thrown(res({ inputShape: [7, 7, 3] }), ModelConfigError).message).toBe(
      "resnet18: option 'inputShape': expected at least 8x8 (stem 'cifar' and the three strided stages downsample by 8), received [7,7,3]",
    );
    expect(
      thrown(res({ stem: 'imagenet', inputShape: [224, 31, 3] }), ModelConfigError).message,
    ).toContain("at least 32x32 (stem 'imagenet'");
    const ok = resnet34({ numClasses: 10, stem: 'imagenet', inputShape: [32, 32, 3] });
    expect(ok.getLayer('stage4_block3_relu2').outputShape).toEqual([null, 1, 1, 512]);
    ok.dispose();
  });

  it.each([[[32, 32]], [[32, 32, 3, 1]], [[32, 0, 3]], [[32.5, 32, 3]], ['32x32x3']])(
    'malformed inputShape %j',
    (inputShape) => {
      const e = thrown(res({ inputShape: inputShape as never }), ModelConfigError);
      expect(e.message).toContain('[height, width, channels] of positive integers');
    },
  );

  it('bad or missing stem, bad placements, bad reduction, unknown option keys', () => {
    expect(thrown(res({ stem: 'tiny' as never }), ModelConfigError).message).toBe(
      "resnet18: option 'stem': expected one of 'cifar', 'imagenet', received \"tiny\"",
    );
    expect(thrown(res({ stem: undefined }), ModelConfigError).message).toContain(
      'received undefined',
    );
    expect(thrown(res({ placement: 'middle' as never }), ModelConfigError).message).toBe(
      "resnet18: option 'placement': expected one of 'pre-add', 'post-add', received \"middle\"",
    );
    expect(thrown(cnn({ attentionPlacement: 'pre-add' as never }), ModelConfigError).message).toBe(
      "cnn3: option 'attentionPlacement': expected one of 'after-conv2', 'replace-conv2', received \"pre-add\"",
    );
    expect(
      thrown(cnn({ attentionPlacement: 'replace-conv2' }), ModelConfigError).message,
    ).toContain(
      "option 'attention': expected a variant name when attentionPlacement is 'replace-conv2', received null",
    );
    expect(thrown(res({ attention: 'se', reduction: 0 }), ModelConfigError).option).toBe(
      'reduction',
    );
    expect(thrown(res({ placment: 'post-add' }), ModelConfigError).message).toContain(
      "resnet18: option 'placment': expected absent (known options: 'attention',",
    );
    expect(thrown(res({ placment: 'post-add' }), ModelConfigError).hint).toBe(
      "Did you mean 'placement'?",
    );
    expect(thrown(() => resnet18(null as never), ModelConfigError).message).toBe(
      "resnet18: option 'options': expected an object, received null",
    );
  });

  it('bad attention options throw the @sevar/layers error before any weight exists', () => {
    const before = tf.memory().numTensors;
    const slow = () =>
      resnet18({ attention: 'slow-squeeze', numClasses: 10, stem: 'cifar', reduction: 1 });
    expect(slow).toThrow(AttentionConfigError);
    expect(slow).toThrow(/slow-squeeze: option 'reduction': expected an integer >= 2/);
    const kind = () =>
      cnn3({
        attention: 'bump',
        numClasses: 10,
        attentionOptions: { bumpKind: 'conv5x5' as never },
      });
    expect(kind).toThrow(/bump: option 'bumpKind': expected one of 'dense', 'conv3x3'/);
    expect(tf.memory().numTensors).toBe(before);
    expect(
      thrown(res({ attention: 'se', attentionOptions: 4 as never }), ModelConfigError).message,
    ).toBe(
      "resnet18: option 'attentionOptions': expected an object of @sevar/layers options, received 4",
    );
  });

  it('buildResNet checks its block counts', () => {
    const build = () => buildResNet('resnet10', [1, 1, 0, 1], { numClasses: 10, stem: 'cifar' });
    expect(thrown(build, ModelConfigError).message).toBe(
      "resnet10: option 'blocks': expected four integers >= 1 (blocks per stage), received [1,1,0,1]",
    );
  });

  it('createModel rejects unknown names listing the zoo', () => {
    const e = thrown(
      () => createModel('resnet101' as never, { numClasses: 10 } as never),
      UnknownModelError,
    );
    expect(e.message).toBe(
      `model: expected one of 'cnn3', 'resnet18', 'resnet34', 'resnet50', 'mobilenet_v2', ` +
        `'mobilenet_v3_small', 'mobilenet_v3_large', 'efficientnet_b0', received "resnet101"`,
    );
    expect(e.validNames).toEqual(MODEL_NAMES);
  });
});
