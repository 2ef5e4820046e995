import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../__tests__/helpers.js';
import { defaultRecipe } from './recipe.js';
import {
  extendsEpochs,
  latestCheckpointEpoch,
  readRunResult,
  readRunSpec,
  RunFileError,
  runFilesToDelete,
  specDifferences,
  writeJsonAtomic,
} from './run-files.js';
import type { RunSpec } from './run-files.js';

const spec: RunSpec = { recipe: defaultRecipe('cnn3', 'embedded'), attention: 'se', seed: 1 };
const metrics = { loss: 1, top1: 0.5, top5: 0.9, examples: 10 };
const result = {
  attention: 'se',
  seed: 1,
  trainableParams: 123_150,
  macsPerImage: 1,
  history: [{ epoch: 1, lr: 0.1, train: metrics, test: metrics, seconds: 1, imagesPerSecond: 9 }],
  test: metrics,
  trainImagesPerSecond: 9,
  evalImagesPerSecond: 9,
  backend: 'cpu',
  finishedAt: '2026-01-01T00:00:00.000Z',
};

async function thrown(p: Promise<unknown>): Promise<RunFileError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunFileError);
  return error as RunFileError;
}

describe('run.json and result.json', () => {
  it('round-trip through an atomic write that leaves no temporary file', async () => {
    const dir = await tempDir('files');
    await writeJsonAtomic(join(dir, 'run.json'), spec);
    await writeJsonAtomic(join(dir, 'result.json'), result);
    expect(await readdir(dir)).toEqual(['result.json', 'run.json']);
    expect(await readRunSpec(dir)).toEqual(spec);
    expect(await readRunResult(dir)).toEqual(result);
    expect(await readRunSpec(join(dir, 'none'))).toBeNull();
  });

  it.each([
    ['', 'an empty file'],
    ['{"recipe"', '"{\\"recipe\\""'],
    ['{}', "{} (no 'recipe' object)"],
    ['[1]', '[1]'],
  ])('a run.json of %j is a RunFileError naming the file and what it holds', async (text, got) => {
    const dir = await tempDir('bad-spec');
    await writeFile(join(dir, 'run.json'), text);
    const e = await thrown(readRunSpec(dir));
    expect(e.file).toBe(join(dir, 'run.json'));
    expect(e.received).toBe(got);
    expect(e.message).toMatch(/^.*run\.json: expected the settings of a sevar run .*, received /);
    expect(e.message).toContain('--fresh');
  });

  it('names the first bad recipe field, and the attention', async () => {
    const dir = await tempDir('bad-field');
    const bad = { ...spec, recipe: { ...spec.recipe, batchSize: 0 } };
    await writeFile(join(dir, 'run.json'), JSON.stringify(bad));
    expect((await thrown(readRunSpec(dir))).received).toBe('a recipe with batchSize: 0');
    await writeFile(join(dir, 'run.json'), JSON.stringify({ ...spec, attention: 'sse' }));
    expect((await thrown(readRunSpec(dir))).received).toBe('attention: "sse"');
  });

  it('result.json {} is a RunFileError telling how to finish the run again', async () => {
    const dir = await tempDir('bad-result');
    await writeFile(join(dir, 'result.json'), '{}');
    const e = await thrown(readRunResult(dir));
    expect(e.message).toContain(`${join(dir, 'result.json')}: expected the result of a finished`);
    expect(e.message).toContain("received {} (no 'attention')");
    expect(e.message).toContain('. Delete it and run the same command again');
  });

  it("reads files of earlier versions, which call the attention 'method'", async () => {
    const dir = await tempDir('legacy');
    const { attention, ...rest } = spec;
    await writeFile(join(dir, 'run.json'), JSON.stringify({ ...rest, method: attention }));
    expect(await readRunSpec(dir)).toEqual(spec);
    const { attention: a, ...r } = result;
    await writeFile(join(dir, 'result.json'), JSON.stringify({ ...r, method: a }));
    expect(await readRunResult(dir)).toEqual(result);
  });
});

describe('settings differences', () => {
  it('lists every changed setting as key old → new', () => {
    const other: RunSpec = {
      recipe: { ...spec.recipe, batchSize: 100_000, limitTrain: 96 },
      attention: 'bump',
      seed: 2,
    };
    expect(specDifferences(other, spec)).toEqual([
      'batchSize 100000 → 32',
      'limitTrain 96 → (all)',
      'attention bump → se',
      'seed 2 → 1',
    ]);
    expect(specDifferences(spec, structuredClone(spec))).toEqual([]);
  });

  it('more epochs and nothing else extends a run', () => {
    const more = { ...spec, recipe: { ...spec.recipe, epochs: spec.recipe.epochs + 3 } };
    expect(extendsEpochs(spec, more)).toBe(true);
    expect(extendsEpochs(more, spec)).toBe(false);
    expect(extendsEpochs(spec, { ...more, seed: 9 })).toBe(false);
    expect(extendsEpochs(spec, { ...more, recipe: { ...more.recipe, lr: 1 } })).toBe(false);
  });
});

describe('checkpoints and --fresh', () => {
  it('the latest epoch follows the latest pointer, else the newest checkpoint', async () => {
    const dir = await tempDir('ckpt');
    expect(await latestCheckpointEpoch(join(dir, 'missing'))).toBeNull();
    expect(await latestCheckpointEpoch(dir)).toBeNull();
    await mkdir(join(dir, 'ckpt-000002'));
    await mkdir(join(dir, 'ckpt-000003'));
    expect(await latestCheckpointEpoch(dir)).toBe(3);
    await writeFile(join(dir, 'latest'), 'ckpt-000002\n');
    expect(await latestCheckpointEpoch(dir)).toBe(2);
  });

  it('deletes only the run files, and refuses a folder with other files and no run', async () => {
    const dir = await tempDir('fresh');
    expect(await runFilesToDelete(join(dir, 'missing'))).toEqual([]);
    expect(await runFilesToDelete(dir)).toEqual([]);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(runFilesToDelete(dir)).rejects.toThrow(
      `--fresh: ${dir} holds no sevar run (no run.json, log.jsonl, checkpoints, result.json, model) but other files (notes.txt); refusing to delete anything there. Pass the --out folder of a run.`,
    );
    await writeFile(join(dir, 'run.json'), '{}');
    await writeFile(join(dir, 'run.json.tmp-1-ab'), '');
    await mkdir(join(dir, 'checkpoints'));
    await mkdir(join(dir, 'model'));
    const paths = await runFilesToDelete(dir, ['sevar.lock']);
    expect(paths.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'checkpoints',
      'model',
      'run.json',
      'run.json.tmp-1-ab',
    ]);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
  });

  it('refuses a file given as the folder', async () => {
    const dir = await tempDir('file');
    const file = join(dir, 'data.csv');
    await writeFile(file, 'a,b\n');
    await expect(runFilesToDelete(file)).rejects.toThrow(
      `--out: expected a folder, received the file ${file}`,
    );
    expect(await readFile(file, 'utf8')).toBe('a,b\n');
  });
});
