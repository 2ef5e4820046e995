import { isSevarError } from '@sevar/core';
import { describe, expect, it } from 'vitest';

import { createSchedule } from './schedules.js';
import {
  BackendNotInstalledError,
  InvalidOptionError,
  NonFiniteLossError,
  TrainerError,
} from './errors.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('trainer errors', () => {
  it('are SevarErrors of @sevar/trainer with the facts readable', () => {
    const e = thrown(() => createSchedule({ name: 'constant', lr: -1 }));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e).toBeInstanceOf(TrainerError);
    expect(isSevarError(e)).toBe(true);
    const error = e as InvalidOptionError;
    expect([error.name, error.packageName, error.option]).toEqual([
      'InvalidOptionError',
      '@sevar/trainer',
      'createSchedule: lr',
    ]);
    expect([error.subject, error.expected, error.received]).toEqual([
      'createSchedule: lr',
      'a finite number >= 0',
      -1,
    ]);
    expect(error.describe()).toBe('createSchedule: lr: expected a finite number >= 0, received -1');
  });

  it('BackendNotInstalledError names the missing package and says how to install it', () => {
    const e = new BackendNotInstalledError('tensorflow', '@tensorflow/tfjs-node');
    expect(e.missingPackage).toBe('@tensorflow/tfjs-node');
    expect(e.packageName).toBe('@sevar/trainer');
    expect(e.hint).toMatch(/^Run `npm install @tensorflow\/tfjs-node`/);
    expect(e.message).toBe(
      "backend 'tensorflow' needs the package @tensorflow/tfjs-node, which is not installed. " +
        'Run `npm install @tensorflow/tfjs-node` ' +
        '(it must use the same @tensorflow/tfjs-core version as your app).',
    );
  });

  it('NonFiniteLossError keeps expected and received as facts', () => {
    const e = new NonFiniteLossError(2, 3, NaN, null);
    expect([e.expected, e.received, e.hint]).toEqual([
      'a finite loss',
      NaN,
      'Lower the learning rate or check the data.',
    ]);
    expect(e.message).toMatch(/^training loss became NaN at epoch 2, step 3; expected a finite/);
    expect(
      e.message.endsWith(
        'No checkpoint was written yet. Lower the learning rate or check the data.',
      ),
    ).toBe(true);
    expect(e.hintOption).toBeNull();
  });

  it('NonFiniteLossError with the initial learning rate suggests half of it as lr', () => {
    const e = new NonFiniteLossError(1, 1, Infinity, null, 0.1);
    expect(e.hintOption).toEqual({ option: 'lr', value: 0.05 });
    expect(e.hint).toBe('Lower the learning rate (e.g. lr: 0.05) or check the data.');
  });
});
