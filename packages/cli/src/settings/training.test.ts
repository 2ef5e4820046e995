import { resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { defaultRecipe } from '../engine/recipe.js';
import { UsageError } from '../errors.js';
import { attentionFromFlags, attentionListFromFlags, parseAttentionList } from './attention.js';
import { addTrainingFlags, parseTrainingSettings } from './training.js';
import type { TrainingFlags } from './training.js';

/** Commander's values of the shared flags for `args`, as a command receives them. */
function flagsOf(args: string[]): TrainingFlags {
  const cmd = addTrainingFlags(
    new Command('t').exitOverride().configureOutput({ writeErr: () => {} }),
  ).option('--out <dir>');
  cmd.parse(args, { from: 'user' });
  return cmd.opts<TrainingFlags>();
}

const target = { model: 'cnn3', dataset: 'embedded', defaultOut: 'sevar-results/x' } as const;

describe('training settings', () => {
  it('with no flags: the recipe of the protocol, seed 1, auto backend, downloads verified', () => {
    expect(parseTrainingSettings(flagsOf([]), target)).toEqual({
      recipe: defaultRecipe('cnn3', 'embedded'),
      protocol: 'paper',
      seed: 1,
      backend: 'auto',
      data: { download: true, verify: true },
      out: resolve('sevar-results/x'),
      fresh: false,
    });
  });

  it('each recipe flag overrides its key, and the data flags go to data', () => {
    const s = parseTrainingSettings(
      flagsOf([
        '--epochs',
        '3',
        '--batch-size',
        '16',
        '--optimizer',
        'sgd',
        '--lr',
        '0.05',
        '--momentum',
        '0.5',
        '--weight-decay',
        '0',
        '--schedule',
        'step',
        '--gamma',
        '0.5',
        '--limit-train',
        '10',
        '--limit-test',
        '5',
        '--seed',
        '7',
        '--backend',
        'cpu',
        '--data-dir',
        'd',
        '--no-download',
        '--no-verify',
        '--fresh',
        '--out',
        'o',
      ]),
      target,
    );
    expect(s.recipe).toEqual({
      ...defaultRecipe('cnn3', 'embedded'),
      epochs: 3,
      batchSize: 16,
      optimizer: 'sgd',
      lr: 0.05,
      momentum: 0.5,
      weightDecay: 0,
      schedule: 'step',
      gamma: 0.5,
      limitTrain: 10,
      limitTest: 5,
    });
    expect(s.data).toEqual({ dataDir: 'd', download: false, verify: false });
    expect([s.seed, s.backend, s.out, s.fresh]).toEqual([7, 'cpu', resolve('o'), true]);
  });

  it('a ResNet image size picks its stem and augmentation unless they are given', () => {
    const r = { ...target, model: 'resnet18' } as const;
    const big = parseTrainingSettings(flagsOf(['--image-size', '224']), r).recipe;
    expect([big.stem, big.augment, big.imageSize]).toEqual(['imagenet', 'rrc', 224]);
    const small = parseTrainingSettings(flagsOf(['--image-size', '64', '--stem', 'cifar']), r);
    expect([small.recipe.stem, small.recipe.augment]).toEqual(['cifar', 'rrc']);
  });

  it.each([
    [
      ['--stem', 'imagenet'],
      '--stem: expected no --stem with --model cnn3 (it has no stem choice), received "imagenet"',
    ],
    [['--out', ''], '--out: expected a folder path, received ""'],
    [
      ['--image-size', '64', '--augment', 'crop'],
      /--augment: expected 'rrc', 'rrc-noflip' or 'none' with --image-size 64/,
    ],
  ])('%j is a usage error (exit 2)', (args, message) => {
    const error = (() => {
      try {
        parseTrainingSettings(flagsOf(args), target);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    if (typeof message === 'string') expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  });

  it('--image-size and --momentum are range-checked where they are parsed', () => {
    expect(() => flagsOf(['--image-size', '100000'])).toThrow(/integer in \[8, 512\]/);
    expect(() => flagsOf(['--image-size', '7'])).toThrow(/integer in \[8, 512\]/);
    expect(() => flagsOf(['--momentum', '1'])).toThrow(/number in \[0, 1\)/);
    expect(flagsOf(['--momentum', '0']).momentum).toBe(0);
  });
});

describe('attention flags', () => {
  it("one name, 'se' by default; --variant is its old spelling", () => {
    expect(attentionFromFlags({}, 'se')).toBe('se');
    expect(attentionFromFlags({ attention: 'none' }, 'se')).toBe('none');
    expect(attentionFromFlags({ variant: 'bump' }, 'se')).toBe('bump');
    expect(() => attentionFromFlags({ variant: 'sse' }, 'se')).toThrow(
      /^--variant: expected one of none, se,/,
    );
    expect(() => attentionFromFlags({ attention: 'se', variant: 'se' }, 'se')).toThrow(UsageError);
  });

  it("a list: 'all', or names in the paper's order with none always first", () => {
    expect(attentionListFromFlags({})).toEqual([
      'none',
      'se',
      'slow-squeeze',
      'slow-excite',
      'slow-squeeze-slow-excite',
      'bump',
    ]);
    expect(parseAttentionList('bump, se')).toEqual(['none', 'se', 'bump']);
    // Keys of the attention zoo too, after the paper's, in the registry's order.
    expect(parseAttentionList('eca,se')).toEqual(['none', 'se', 'eca']);
    expect(attentionListFromFlags({ variants: 'none' })).toEqual(['none']);
    expect(() => parseAttentionList(' , ')).toThrow(UsageError);
    expect(() => attentionListFromFlags({ variants: 'se,x' })).toThrow(
      /^--variants: .*received "x"/,
    );
  });
});
