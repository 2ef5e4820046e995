import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { embeddedCifarBytes } from '@sevar/datasets';
import { attentionNames, getAttention } from '@sevar/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from '../../__tests__/helpers.js';
import type * as ContextModule from '../../context.js';
import type * as MainModule from '../../main.js';
import type { CompareResults } from './index.js';

const TINY = [
  '--epochs',
  '2',
  '--limit-train',
  '96',
  '--limit-test',
  '40',
  '--jobs',
  '1',
  '--backend',
  'wasm',
];
const PARAMS: Record<string, number> = { none: 122_570, se: 123_150, bump: 123_170 };

async function readResults(out: string): Promise<CompareResults> {
  return JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as CompareResults;
}

describe('sevar compare (embedded, tiny)', () => {
  let out: string;
  let first: { code: number | null; stdout: string; stderr: string };
  let results: CompareResults;

  beforeAll(async () => {
    out = join(await tempDir('compare'), 'results');
    first = await runCli(['compare', '--attention', 'se,bump', ...TINY, '--out', out]);
    results = await readResults(out);
  });

  it('exits 0 and trains none plus the chosen variants in the paper order', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(results.schema).toBe('sevar-compare-2');
    expect(results.summary.map((s) => s.attention)).toEqual(['none', 'se', 'bump']);
    expect(results.runs.map((r) => `${r.attention}-${r.seed}`)).toEqual([
      'none-1',
      'se-1',
      'bump-1',
    ]);
    expect(results.recipe).toMatchObject({
      model: 'cnn3',
      dataset: 'embedded',
      epochs: 2,
      limitTrain: 96,
    });
    expect([results.trainExamples, results.testExamples]).toEqual([96, 40]);
    expect(results.paperTable).toBeNull();
  });

  it('results.json holds per-epoch history, metrics and parameter counts', () => {
    for (const run of results.runs) {
      expect(run.history.map((h) => h.epoch)).toEqual([1, 2]);
      expect(run.history.every((h) => h.train.examples === 96 && h.test?.examples === 40)).toBe(
        true,
      );
      expect(run.test.examples).toBe(40);
      for (const v of [run.test.top1, run.test.top5]) expect(v >= 0 && v <= 1).toBe(true);
      expect(run.test.top5).toBeGreaterThanOrEqual(run.test.top1);
      // Accuracy is a count of 40 images.
      expect(Number.isInteger(Math.round(run.test.top1 * 40 * 1e6) / 1e6)).toBe(true);
      expect(run.trainableParams).toBe(PARAMS[run.attention]);
      expect(run.trainImagesPerSecond).toBeGreaterThan(0);
    }
    for (const row of results.summary) {
      const run = results.runs.find((r) => r.attention === row.attention)!;
      expect(row.top1).toEqual({ mean: run.test.top1, std: 0, n: 1 });
      expect(row.loss.mean).toBe(run.test.loss);
    }
  });

  it('results.md and stdout show the table with one row per method', async () => {
    const md = await readFile(join(out, 'results.md'), 'utf8');
    expect(md).toContain(
      '| attention | loss | top-1 % | top-5 % | params | train img/s | eval img/s |',
    );
    for (const row of results.summary) {
      const cells = `| ${row.attention} | ${row.loss.mean.toFixed(4)} | ${(row.top1.mean * 100).toFixed(2)} | ${(row.top5.mean * 100).toFixed(2)} | ${PARAMS[row.attention]!.toLocaleString('en-US')} |`;
      expect(md).toContain(cells);
      expect(first.stdout).toMatch(
        new RegExp(
          `^${row.attention}\\s+${row.loss.mean.toFixed(4)}\\s+${(row.top1.mean * 100).toFixed(2)}`,
          'm',
        ),
      );
    }
  });

  it('writes SVG plots that an SVG renderer parses, PNGs, and an HTML report referencing them', async () => {
    const svgs = results.files.plots.filter((p) => p.endsWith('.svg'));
    expect(svgs.sort()).toEqual([
      'plots/final-accuracy.svg',
      'plots/learning-curves.svg',
      'plots/test-accuracy.svg',
    ]);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    for (const p of svgs) {
      const svg = await readFile(join(out, p), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      const rendered = new Resvg(svg); // throws on malformed SVG
      expect(rendered.width).toBeGreaterThan(100);
      expect(rendered.height).toBeGreaterThan(100);
      expect(html).toContain(`href="${p}"`);
      const png = await readFile(join(out, p.replace('.svg', '.png')));
      expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
    const curves = await readFile(join(out, 'plots/learning-curves.svg'), 'utf8');
    for (const m of ['none', 'se', 'bump']) expect(curves).toContain(`>${m}</text>`);
    expect(html.match(/<svg/g)?.length).toBe(3);
    expect(html).toContain('<td>bump</td>');
  });

  it('keeps each run: spec, JSON-lines log, checkpoints, result and saved model', async () => {
    for (const run of results.runs) {
      const dir = join(out, 'runs', `${run.attention}-seed1`);
      const log = (await readFile(join(dir, 'log.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { epoch: number; test: { top1: number } });
      expect(log.map((l) => l.epoch)).toEqual([1, 2]);
      expect(log.map((l) => l.test.top1)).toEqual(run.history.map((h) => h.test!.top1));
      for (const f of [
        'run.json',
        'result.json',
        'checkpoints/latest',
        'model/model.json',
        'model/weights.bin',
      ]) {
        expect(existsSync(join(dir, f)), f).toBe(true);
      }
    }
  });

  it('a second call reuses the finished runs and reports the same numbers', async () => {
    // --variants: the earlier spelling of --attention.
    const again = await runCli(['compare', '--variants', 'se,bump', ...TINY, '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/finished earlier/g)?.length).toBe(3);
    expect((await readResults(out)).summary).toEqual(results.summary);
  });

  it('refuses to mix runs of other settings into the folder', async () => {
    const other = await runCli([
      'compare',
      '--attention',
      'se',
      ...TINY,
      '--lr',
      '0.01',
      '--out',
      out,
    ]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(
      /none-seed1\/run\.json: this folder holds a run with other settings \(run\.json → this command: lr 0\.003 → 0\.01\)\. Use another --out, or --fresh/,
    );
  });
});

describe('compare --fresh', () => {
  it('refuses a folder without results, deletes nothing there', async () => {
    const dir = await tempDir('compare-refuse');
    await writeFile(join(dir, 'thesis.tex'), 'mine');
    const r = await runCli(['compare', '--attention', 'none', ...TINY, '--fresh', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fresh: .* holds no sevar results .* \(thesis\.tex\); refusing/);
    expect(await readFile(join(dir, 'thesis.tex'), 'utf8')).toBe('mine');
  });

  it("deletes sevar's results and runs only, then trains again", async () => {
    const out = join(await tempDir('compare-fresh'), 'results');
    const args = ['compare', '--attention', 'none', ...TINY, '--out', out];
    expect((await runCli(args)).code).toBe(0);
    await writeFile(join(out, 'notes.md'), 'mine');
    await writeFile(join(out, 'plots', 'mine.svg'), '<svg/>');
    const before = await readResults(out);
    const again = await runCli([...args, '--fresh']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('finished earlier');
    expect(await readFile(join(out, 'notes.md'), 'utf8')).toBe('mine');
    expect(existsSync(join(out, 'plots', 'mine.svg'))).toBe(true);
    const after = await readResults(out);
    expect(after.createdAt).not.toBe(before.createdAt);
    expect(after.runs[0]!.finishedAt).not.toBe(before.runs[0]!.finishedAt);
    // Seeded: the same numbers again.
    expect(after.summary.map((r) => [r.loss, r.top1])).toEqual(
      before.summary.map((r) => [r.loss, r.top1]),
    );
  });
});

describe('sevar reproduce (fake CIFAR-10 files, tiny)', () => {
  it('uses the paper protocol, prints the paper columns and says what differs', async () => {
    const root = await tempDir('reproduce');
    const folder = join(root, 'data', 'cifar-10-batches-bin');
    await mkdir(folder, { recursive: true });
    // Real CIFAR-10 record files (label byte + R, G, B planes), drawn from the embedded set.
    for (let i = 1; i <= 5; i++) {
      await writeFile(
        join(folder, `data_batch_${i}.bin`),
        embeddedCifarBytes({ split: 'train', count: 20, seed: i }),
      );
    }
    await writeFile(
      join(folder, 'test_batch.bin'),
      embeddedCifarBytes({ split: 'test', count: 30 }),
    );
    const out = join(root, 'out');
    const r = await runCli([
      'reproduce',
      '--table',
      'cnn3-cifar10',
      '--attention',
      'se',
      '--epochs',
      '1',
      '--limit-test',
      '30',
      '--data-dir',
      join(root, 'data'),
      '--no-download',
      '--no-verify', // record files drawn from the embedded set, not the official ones
      '--backend',
      'wasm',
      '--jobs',
      '1',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = await readResults(out);
    expect(res.recipe).toMatchObject({
      optimizer: 'adadelta',
      lr: 1,
      schedule: 'step',
      gamma: 0.7,
      batchSize: 64,
      epochs: 1,
    });
    expect(res.trainExamples).toBe(100);
    expect(res.paperTable).toMatchObject({ name: 'cnn3-cifar10', comparable: false });
    expect(res.paperTable!.notes).toContain('epochs 1 (paper: 50)');
    expect(res.summary.map((s) => [s.attention, s.paper])).toEqual([
      ['none', { loss: 0.8091, top1: 72.52 }],
      ['se', { loss: 0.8068, top1: 72.58 }],
    ]);
    expect(r.stdout).toMatch(/paper loss\s+paper top-1\s+paper top-5/);
    expect(r.stdout).toMatch(/^se\s.*0\.8068\s+72\.58\s+–$/m);
  });
});

describe('compare on worker threads, run repeatedly in one process', () => {
  it('leaves no Ctrl-C listener behind on the shared context', async () => {
    // Worker threads run the built script, so this drives the built entry (as a host app would).
    if (!existsSync(BIN))
      throw new Error(`${BIN} is missing: build first (npx tsc -b packages/cli)`);
    const built = (file: string) => new URL(file, pathToFileURL(BIN)).href;
    const { main } = (await import(built('main.js'))) as typeof MainModule;
    const { bufferOutput, Interrupt } = (await import(built('context.js'))) as typeof ContextModule;
    const ctx = {
      stdout: bufferOutput(),
      stderr: bufferOutput(),
      interrupt: new Interrupt(),
      progress: false,
    };
    const out = join(await tempDir('repeat'), 'results');
    const args = ['compare', '--attention', 'se', '--epochs', '1', '--limit-train', '32'];
    args.push('--limit-test', '16', '--jobs', '2', '--backend', 'wasm', '--out', out);
    const counts: number[] = [];
    // The first call trains; the others reuse the finished runs, each through a new pool.
    for (let i = 0; i < 3; i++) {
      expect(await main(args, ctx), ctx.stderr.text).toBe(0);
      counts.push(ctx.interrupt.listenerCount);
    }
    expect(ctx.stderr.text.match(/on 2 worker threads/g)).toHaveLength(3);
    expect(counts).toEqual([0, 0, 0]);
  });
});

describe('sevar compare --attention zoo (embedded, tiny)', () => {
  it('trains none and every registered module, one table row each, params from the registry', async () => {
    const out = join(await tempDir('zoo'), 'results');
    const args = ['compare', '--attention', 'zoo', '--epochs', '1', '--limit-train', '32'];
    args.push('--limit-test', '16', '--jobs', '1', '--backend', 'wasm', '--out', out);
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    const res = await readResults(out);
    expect(res.summary.map((s) => s.attention)).toEqual(attentionNames());
    // cnn3's module sits after conv2 (64 channels) with the module's default options.
    for (const s of res.summary) {
      const extra = s.attention === 'none' ? 0 : getAttention(s.attention).parameterCount(64);
      expect([s.attention, s.trainableParams]).toEqual([s.attention, 122_570 + extra]);
      expect(r.stdout).toMatch(new RegExp(`^${s.attention}\\s`, 'm'));
    }
  });
});
