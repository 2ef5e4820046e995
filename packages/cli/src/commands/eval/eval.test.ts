import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createModel } from '@sevar/models';
import { withSeed } from '@sevar/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../__tests__/helpers.js';
import { setBackend } from '../../backend.js';
import { bufferOutput, Interrupt } from '../../context.js';
import { saveModel } from '../../model-io.js';

const EVAL = ['--dataset', 'embedded', '--limit', '20', '--backend', 'wasm'];

/** A freshly initialised cnn3 for the embedded dataset, saved in a new folder. */
async function savedModel(name: string): Promise<string> {
  const dir = join(await tempDir('eval'), name);
  const ctx = { stdout: bufferOutput(), stderr: bufferOutput(), interrupt: new Interrupt() };
  await setBackend('wasm', { ...ctx, progress: false });
  const model = withSeed(1, () =>
    createModel('cnn3', { attention: 'se', numClasses: 10, inputShape: [32, 32, 3] }),
  );
  try {
    await saveModel(model, dir);
  } finally {
    model.dispose();
  }
  return dir;
}

describe('sevar eval of a saved model', () => {
  let verified: { code: number; stdout: string; stderr: string };
  let dir: string;

  beforeAll(async () => {
    dir = await savedModel('model');
    const r = await runCli(['eval', dir, ...EVAL]);
    verified = { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
  });

  it('with checksums.json: evaluates without a warning', () => {
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/on embedded test \(20 images\): loss /);
    expect(verified.stderr).not.toContain('warning');
  });

  it('without checksums.json (an older save): the same numbers, and one line saying so', async () => {
    await unlink(join(dir, 'checksums.json'));
    const r = await runCli(['eval', dir, ...EVAL]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(verified.stdout);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      `warning: @sevar/trainer: ${join(dir, 'checksums.json')} is missing (a model saved by an ` +
        'older version or another tool): its files were only size-checked, not verified',
    ]);
  });
});
