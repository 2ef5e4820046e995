import { join } from 'node:path';
import { NonFiniteLossError } from '@sevar/trainer';
import { describe, expect, it } from 'vitest';
import { defaultRecipe } from '../engine/recipe.js';
import type { RunSpec } from '../engine/run-files.js';
import { CliError, InterruptedError, UsageError } from '../errors.js';
import { SweepJobDataError } from './errors.js';
import { jobFailure } from './failures.js';
import { checkRunJob, RUN_DATA_SCHEMA, runJobId, storeRunDir, sweepJobId } from './jobs.js';

const spec: RunSpec = { recipe: defaultRecipe('cnn3', 'embedded'), attention: 'se', seed: 3 };

function refusal(id: string, data: unknown): string {
  try {
    checkRunJob(id, data);
  } catch (e) {
    expect(e).toBeInstanceOf(SweepJobDataError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('run job ids', () => {
  it('hash the settings: key order and absent limits do not matter, any setting does', () => {
    const id = runJobId(spec);
    expect(id).toMatch(/^run-[0-9a-f]{32}$/);
    const reordered = JSON.parse(
      JSON.stringify({ seed: 3, attention: 'se', recipe: { ...spec.recipe } }),
    ) as RunSpec;
    expect(runJobId({ ...reordered, recipe: { limitTrain: undefined, ...reordered.recipe } })).toBe(
      id,
    );
    expect(runJobId({ ...spec, seed: 4 })).not.toBe(id);
    expect(runJobId({ ...spec, recipe: { ...spec.recipe, lr: 0.001 } })).not.toBe(id);
    expect(sweepJobId([id, 'run-b'])).toBe(sweepJobId(['run-b', id]));
  });
});

describe('job data from the queue', () => {
  const id = runJobId(spec);
  const data = { schema: RUN_DATA_SCHEMA, spec };

  it('accepts a run that sweep submit enqueues', () => {
    expect(checkRunJob(id, JSON.parse(JSON.stringify(data)))).toEqual(spec);
  });

  it.each([
    ['another schema', { ...data, schema: 'x' }, /without schema/],
    ['extra fields', { ...data, dir: '/etc' }, /unexpected fields dir/],
    ['extra spec fields', { ...data, spec: { ...spec, out: '/etc' } }, /unexpected fields out/],
    [
      'an unknown attention',
      { ...data, spec: { ...spec, attention: 'rm -rf' } },
      /attention: "rm -rf"/,
    ],
    [
      'a bad recipe',
      { ...data, spec: { ...spec, recipe: { ...spec.recipe, epochs: -1 } } },
      /epochs: -1/,
    ],
    [
      'settings that do not hash to the id',
      { ...data, spec: { ...spec, seed: 4 } },
      /hash is not the job id/,
    ],
    ['no object', 'run', /without schema/],
  ])('refuses %s', (_, bad, message) => {
    expect(refusal(id, bad)).toMatch(message);
  });

  it('refuses ids that are not run-<hash> (store paths come from ids only)', () => {
    expect(refusal('../../etc', data)).toMatch(/not of the form run-<32 hex digits>/);
    expect(() => storeRunDir('/store', 'run-../../x')).toThrow(SweepJobDataError);
    expect(storeRunDir('/store', id)).toBe(join('/store', 'runs', id));
  });
});

describe('how a failure leaves the processor', () => {
  it('deterministic errors are unrecoverable (no retry); crashes keep their name (retried)', () => {
    const nan = new CliError('run: loss is NaN', 1, {
      cause: new NonFiniteLossError(1, 3, NaN, null),
    });
    expect(jobFailure(nan, false).name).toBe('UnrecoverableError');
    expect(jobFailure(new UsageError('--lr', 'a number', 'x'), false).name).toBe(
      'UnrecoverableError',
    );
    expect(jobFailure(new SweepJobDataError('j', 'junk'), false).name).toBe('UnrecoverableError');
    const crash = jobFailure(new RangeError('out of memory'), false);
    expect([crash.name, crash.message]).toEqual(['RangeError', 'out of memory']);
  });

  it("an interrupt goes back to wait, unless the lock was lost (then it is another worker's)", () => {
    expect(jobFailure(new InterruptedError('stopped'), false).name).toBe('WaitingError');
    expect(jobFailure(new InterruptedError('stopped'), true).name).toBe('InterruptedError');
  });
});
