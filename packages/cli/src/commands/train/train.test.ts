// What `sevar train` does with what is already in its output folder.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, readJson, runCli, tempDir } from '../../__tests__/helpers.js';
import type { RunResult, RunSpec } from '../../engine/run-files.js';

const TINY = [
  'train',
  '--attention',
  'se',
  '--epochs',
  '1',
  '--limit-train',
  '64',
  '--limit-test',
  '20',
  '--backend',
  'wasm',
];

let root: string;
/** A finished one-epoch run, copied by the tests that start from one. */
let base: string;
let baseResult: RunResult;

async function copyOfBase(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(base, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  root = await tempDir('train');
  base = join(root, 'base');
  const r = await runCli([...TINY, '--out', base]);
  expect(r.code, r.stderr).toBe(0);
  baseResult = await readJson<RunResult>(join(base, 'result.json'));
});

describe('--fresh deletes only what sevar wrote', () => {
  it('refuses a folder that holds no run, and a file, deleting nothing', async () => {
    const project = join(root, 'project');
    await mkdir(project);
    await writeFile(join(project, 'notes.txt'), 'mine');
    const r = await runCli([...TINY, '--fresh', '--out', project]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr)).toMatch(
      /--fresh: .*project holds no sevar run \(no run\.json, .*\) but other files \(notes\.txt\); refusing/,
    );
    expect(await readdir(project)).toEqual(['notes.txt']);
    const file = join(root, 'data.csv');
    await writeFile(file, 'a,b\n');
    const f = await runCli([...TINY, '--fresh', '--out', file]);
    expect(f.code).toBe(2);
    expect(expectOneLineError(f.stderr)).toBe(
      `error: --out: expected a folder, received the file ${file}`,
    );
    expect(await readFile(file, 'utf8')).toBe('a,b\n');
  });

  it('starts a run over, keeping files of others in its folder', async () => {
    const dir = await copyOfBase('fresh');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const r = await runCli([...TINY, '--fresh', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('finished earlier');
    expect(r.stderr).toContain('epoch 1/1');
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'sevar.lock'))).toBe(false);
    const again = await readJson<RunResult>(join(dir, 'result.json'));
    expect(again.finishedAt).not.toBe(baseResult.finishedAt);
    expect(again.test).toEqual(baseResult.test); // seeded: the same run again
  });
});

describe('a run.json of a start that failed', () => {
  it.each([
    [
      'other settings',
      async (spec: RunSpec) =>
        JSON.stringify({ ...spec, recipe: { ...spec.recipe, batchSize: 100_000 } }),
    ],
    ['an empty file', async () => ''],
  ])('with %s and no checkpoint is replaced', async (_, content) => {
    const dir = join(root, `failed-${_.replace(/ /g, '-')}`);
    await mkdir(dir);
    await writeFile(
      join(dir, 'run.json'),
      await content(await readJson<RunSpec>(join(base, 'run.json'))),
    );
    const r = await runCli([...TINY, '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readJson<RunSpec>(join(dir, 'run.json'))).toEqual(
      await readJson<RunSpec>(join(base, 'run.json')),
    );
  });
});

describe('a start that fails', () => {
  it('at its first steps (NaN loss): the corrected command then trains in the same folder', async () => {
    const dir = join(root, 'nan');
    const bad = await runCli([...TINY, '--optimizer', 'sgd', '--lr', '1e30', '--out', dir]);
    expect(bad.code).toBe(1);
    const line = expectOneLineError(bad.stderr);
    expect(line).toMatch(/^error: cnn3\/se: .*expected a finite loss/);
    // The library's `lr` advice as this command line's flag: half the rate given.
    expect(line).toMatch(/Lower the learning rate, e\.g\. --lr 5e\+29, or check the data\.$/);
    expect(line).not.toContain('lr:');
    expect(existsSync(join(dir, 'run.json'))).toBe(true);
    expect(existsSync(join(dir, 'checkpoints', 'latest'))).toBe(false);
    const good = await runCli([...TINY, '--out', dir]);
    expect(good.code, good.stderr).toBe(0);
    expect((await readJson<RunResult>(join(dir, 'result.json'))).test).toEqual(baseResult.test);
  });
});

describe('a run with checkpoints', () => {
  it('and other settings: the message names what differs and how to extend a run', async () => {
    const dir = await copyOfBase('differs');
    const r = await runCli([...TINY, '--batch-size', '16', '--lr', '0.01', '--out', dir]);
    expect(r.code).toBe(1);
    const line = expectOneLineError(r.stderr);
    expect(line).toContain(
      `${join(dir, 'run.json')}: this folder holds a run with other settings (run.json → this command: batchSize 32 → 16, lr 0.003 → 0.01)`,
    );
    expect(line).toContain('--fresh');
    expect(line).toContain(
      'a run is extended to more epochs by the same command with a larger --epochs',
    );
    expect(line.length).toBeLessThan(400);
  });

  it('a larger --epochs extends a finished run from its last checkpoint', async () => {
    const dir = await copyOfBase('extend');
    const args = TINY.map((a, i) => (TINY[i - 1] === '--epochs' ? '2' : a));
    const r = await runCli([...args, '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('cnn3/se: extending the run from 1 to 2 epochs');
    expect(r.stderr).toContain('cnn3/se: resuming from epoch 1');
    expect(r.stderr).not.toContain('epoch 1/2');
    expect(r.stderr).toContain('epoch 2/2');
    const result = await readJson<RunResult>(join(dir, 'result.json'));
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(result.history[0]).toEqual(baseResult.history[0]);
    expect((await readJson<RunSpec>(join(dir, 'run.json'))).recipe.epochs).toBe(2);
  });

  it('finished, with model/ deleted: exports the model again from the final checkpoint', async () => {
    const dir = await copyOfBase('model');
    await rm(join(dir, 'model'), { recursive: true });
    const r = await runCli([...TINY, '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('was missing; exported it again from epoch 1');
    expect(r.stdout).toContain(`model saved to ${join(dir, 'model')}`);
    // The exported model evaluates to the run's own final numbers.
    const ev = await runCli(['eval', dir, '--limit', '20', '--backend', 'wasm']);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toContain(`loss ${baseResult.test.loss.toFixed(4)}`);
    expect(ev.stdout).toContain(`top-1 ${(baseResult.test.top1 * 100).toFixed(2)}%`);
  });

  it.each([
    [
      'result.json',
      '{}',
      /result\.json: expected the result of a finished sevar run .*received \{\} \(no 'attention'\)\. Delete it/,
    ],
    [
      'run.json',
      '',
      /run\.json: expected the settings of a sevar run .*received an empty file\. Delete it, or use --fresh/,
    ],
  ])('and a %s of %j: one line naming the file', async (file, content, message) => {
    const dir = await copyOfBase(`bad-${file}`);
    await writeFile(join(dir, file), content);
    const r = await runCli([...TINY, '--out', dir]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr)).toMatch(message);
    expect(r.stderr).not.toContain('SEVAR_DEBUG');
  });
});

describe('the folder lock', () => {
  it('a live process holding the folder: refused, naming the folder and pid', async () => {
    const dir = await copyOfBase('locked');
    await writeFile(join(dir, 'sevar.lock'), '1\n'); // pid 1 is always alive
    const r = await runCli([...TINY, '--out', dir]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr)).toBe(
      `error: ${dir} is in use by another sevar process (pid 1, lock file ${join(dir, 'sevar.lock')}). ` +
        'Wait for it to finish or stop it, or pass another --out.',
    );
    expect(await readFile(join(dir, 'sevar.lock'), 'utf8')).toBe('1\n');
  });
});
