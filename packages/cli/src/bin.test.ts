// End to end through the built binary (`dist/bin.js`), as a user runs it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CompareResults } from './commands/compare/index.js';
import type { RunResult } from './engine/run-files.js';
import { BIN, expectOneLineError, readJson, spawnCli, tempDir } from './__tests__/helpers.js';

const TRAIN = [
  'train',
  '--variant',
  'se',
  '--epochs',
  '3',
  '--limit-train',
  '192',
  '--limit-test',
  '40',
  '--backend',
  'wasm',
];

describe('sevar binary', () => {
  it('prints help and version, exits 0; a bad flag exits non-zero with one line', async () => {
    const help = await spawnCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: sevar');
    const version = await spawnCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = await spawnCli(['compare', '--seeds', '0']);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad.stderr)).toMatch(/--seeds <n>.*'0' is invalid/);
  });

  it('a reader that closes stdout early (sevar variants | head -1) ends the output quietly', async () => {
    const child = spawn(process.execPath, [BIN, 'variants'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first write: every write gets EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('train --workers 2 trains data-parallel (attention layers registered in the workers)', async () => {
    const out = join(await tempDir('workers'), 'run');
    const run = await spawnCli([
      ...TRAIN.slice(0, 3),
      '--epochs',
      '1',
      ...TRAIN.slice(5),
      '--workers',
      '2',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/cnn3 se on embedded: test loss [\d.]+, top-1/);
    const result = await readJson<RunResult>(join(out, 'result.json'));
    expect(result.history).toHaveLength(1);
    expect(result.history[0]!.train.examples).toBe(192);
    expect(Number.isFinite(result.test.loss)).toBe(true);
  });

  it('by default wasm trains resnet18 on every core; cnn3 and the side-by-side runs of compare on one thread', async () => {
    const dir = await tempDir('default-threads');
    const unset = { env: { SEVAR_WASM_THREADS: undefined } };
    const cores = Math.min(8, availableParallelism());
    const summary = (threads: number) =>
      `train img/s on wasm 4.22.0 (SIMD, ${threads > 1 ? `${threads} threads` : '1 thread'})`;
    const tiny = [
      '--epochs',
      '1',
      '--limit-train',
      '64',
      '--limit-test',
      '16',
      '--backend',
      'wasm',
    ];
    const resnet = await spawnCli(
      ['train', '--model', 'resnet18', ...tiny, '--out', join(dir, 'resnet18')],
      unset,
    );
    expect(resnet.code, resnet.stderr).toBe(0);
    expect(resnet.stdout).toContain(summary(cores));
    const cnn3 = await spawnCli(['train', ...tiny, '--out', join(dir, 'cnn3')], unset);
    expect(cnn3.code, cnn3.stderr).toBe(0);
    expect(cnn3.stdout).toContain(summary(1));
    const compare = await spawnCli(
      ['compare', '--variants', 'none,se', ...tiny, '--out', join(dir, 'compare')],
      unset,
    );
    expect(compare.code, compare.stderr).toBe(0);
    expect(compare.stderr).toContain('backend wasm 4.22.0 (SIMD, 1 thread)');
    if (cores > 1) expect(compare.stderr).toContain('runs on 2 worker threads');
  });

  it('Ctrl-C stops after a checkpoint; the same command resumes and matches an uninterrupted run', async () => {
    const root = await tempDir('sigint');
    const a = join(root, 'a');
    let sent = false;
    const stopped = await spawnCli([...TRAIN, '--out', a], {
      onStderr: (text, child) => {
        if (!sent && text.includes('epoch 1/3')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(expectOneLineError(stopped.stderr)).toMatch(
      /interrupted: cnn3\/se stopped after 2 of 3 epochs; checkpoint in .*checkpoints; run the same command again to resume/,
    );
    expect(stopped.stderr).toContain('Ctrl-C: stopping after this epoch');
    expect(existsSync(join(a, 'checkpoints', 'latest'))).toBe(true);
    expect(existsSync(join(a, 'result.json'))).toBe(false);

    const resumed = await spawnCli([...TRAIN, '--out', a]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('cnn3/se: resuming from epoch 2');
    expect(resumed.stderr).not.toContain('epoch 2/3');
    expect(resumed.stderr).toContain('epoch 3/3');
    const ra = await readJson<RunResult>(join(a, 'result.json'));
    expect(ra.history.map((h) => h.epoch)).toEqual([1, 2, 3]);

    const b = join(root, 'b');
    const straight = await spawnCli([...TRAIN, '--out', b]);
    expect(straight.code, straight.stderr).toBe(0);
    const rb = await readJson<RunResult>(join(b, 'result.json'));
    // Seeded weights, data order and trainer PRNG: the resumed run is the same run.
    expect(ra.test).toEqual(rb.test);
    expect(ra.history.map((h) => h.train.loss)).toEqual(rb.history.map((h) => h.train.loss));

    // eval of the saved model reproduces the run's own final evaluation.
    const ev = await spawnCli(['eval', b, '--limit', '40', '--backend', 'wasm']);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toContain(`top-1 ${(rb.test.top1 * 100).toFixed(2)}%`);
    expect(ev.stdout).toContain(`loss ${rb.test.loss.toFixed(4)}`);
  });

  // Both runs are child processes, each with a watchdog: a run that hangs fails with its output.
  it(
    'compare on two worker threads gives the same numbers as in-process sequential runs',
    { retry: 1 },
    async () => {
      const root = await tempDir('jobs');
      const args = [
        'compare',
        '--variants',
        'bump',
        '--epochs',
        '1',
        '--limit-train',
        '128',
        '--limit-test',
        '40',
        '--backend',
        'wasm',
      ];
      const limit = { timeoutMs: 120_000 };
      const pooled = await spawnCli([...args, '--jobs', '2', '--out', join(root, 'pooled')], limit);
      expect(pooled.code, pooled.stderr).toBe(0);
      expect(pooled.stderr).toContain('on 2 worker threads');
      const sequential = await spawnCli(
        [...args, '--jobs', '1', '--out', join(root, 'seq')],
        limit,
      );
      expect(sequential.code, sequential.stderr).toBe(0);
      const p = await readJson<CompareResults>(join(root, 'pooled', 'results.json'));
      const s = await readJson<CompareResults>(join(root, 'seq', 'results.json'));
      expect(p.jobs).toBe(2);
      expect(s.jobs).toBe(1);
      expect(p.runs.map((r) => r.test)).toEqual(s.runs.map((r) => r.test));
    },
  );

  it('Ctrl-C stops every worker of compare --jobs 2 after a checkpoint; the same command finishes', async () => {
    const out = join(await tempDir('pool-sigint'), 'out');
    const args = [
      'compare',
      '--variants',
      'se',
      '--epochs',
      '3',
      '--limit-train',
      '192',
      '--limit-test',
      '20',
      '--jobs',
      '2',
      '--backend',
      'wasm',
      '--out',
      out,
    ];
    let sent = false;
    const stopped = await spawnCli(args, {
      onStderr: (text, child) => {
        if (!sent && text.includes('epoch 1/3')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(stopped.code, stopped.stderr).toBe(130);
    const line = expectOneLineError(stopped.stderr);
    expect(line).toMatch(/none-seed1 stopped after [12] of 3 epochs/);
    expect(line).toMatch(/se-seed1 stopped after [12] of 3 epochs/);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const resumed = await spawnCli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    const res = await readJson<CompareResults>(join(out, 'results.json'));
    expect(res.runs.map((r) => r.history.map((h) => h.epoch))).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it('bench --workers 2 trains through data-parallel workers', async () => {
    const r = await spawnCli([
      'bench',
      '--backends',
      'wasm',
      '--steps',
      '1',
      '--batch-size',
      '8',
      '--workers',
      '2',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [row] = JSON.parse(r.stdout) as {
      status: string;
      detail: string;
      trainImagesPerSecond: number;
    }[];
    expect(row).toMatchObject({ status: 'ok' });
    expect(row!.detail).toContain('2 data-parallel workers');
    expect(row!.trainImagesPerSecond).toBeGreaterThan(0);
  });

  it('bench measures installed backends and reports the missing ones', async () => {
    const r = await spawnCli([
      'bench',
      '--backends',
      'wasm,tensorflow',
      '--steps',
      '1',
      '--batch-size',
      '8',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as {
      backend: string;
      status: string;
      trainImagesPerSecond: number | null;
      inferenceImagesPerSecond: number | null;
    }[];
    expect(rows[0]).toMatchObject({ backend: 'wasm', status: 'ok' });
    expect(rows[0]!.trainImagesPerSecond).toBeGreaterThan(0);
    expect(rows[0]!.inferenceImagesPerSecond).toBeGreaterThan(0);
    // tfjs-node is an optional peer that this workspace does not install.
    expect(rows[1]).toMatchObject({
      backend: 'tensorflow',
      status: 'not installed',
      trainImagesPerSecond: null,
    });
  });

  it('datasets info lists every dataset and the cache directory', async () => {
    const dir = await tempDir('info');
    const r = await spawnCli(['datasets', 'info', '--data-dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as {
      dataDir: string;
      datasets: { name: string; status: string; files: { md5: string }[] }[];
    };
    expect(info.dataDir).toBe(dir);
    expect(info.datasets.map((d) => [d.name, d.status])).toEqual([
      ['embedded', 'built in (generated in memory, offline)'],
      ['cifar10', 'not downloaded'],
      ['cifar100', 'not downloaded'],
      ['svhn', 'not downloaded'],
    ]);
    expect(info.datasets[1]!.files[0]!.md5).toBe('c32a1d4ab5d03f1284b67883e8d87530');
  });
});
