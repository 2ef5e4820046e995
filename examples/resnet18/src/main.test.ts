import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedCifarBytes } from '@sevar/datasets';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function run(args: string[]) {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build first (npx tsc -b examples/resnet18)`);
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 110_000 });
}

let scratch: string | undefined;
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('resnet18 example', () => {
  it('trains one smoke epoch with the bump variant and prints finite loss, top-1 and top-5', () => {
    const r = run(['--smoke', '--attention', 'bump']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /resnet18 \(cifar stem, attention: bump, \d+ params\) on embedded 16x16/,
    );
    const m =
      /epoch 1\/1 lr \S+ \| train loss (\S+) top-1 (\S+)% \| test loss (\S+) top-1 (\S+)% top-5 (\S+)%/.exec(
        r.stdout,
      );
    expect(m, r.stdout).not.toBeNull();
    const [trainLoss, , testLoss, top1, top5] = m!.slice(1).map(Number) as number[];
    for (const loss of [trainLoss!, testLoss!]) {
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeGreaterThan(0);
      expect(loss).toBeLessThan(20);
    }
    // Top-5 counts every top-1 hit, so it can never be below it.
    expect(top5!).toBeGreaterThanOrEqual(top1!);
    expect(top5!).toBeLessThanOrEqual(100);
    expect(r.stdout).toMatch(/final: test top-1 \d+\.\d\d%, top-5 \d+\.\d\d%/);
  });

  it('rejects an unknown protocol with the valid names and exit code 1', () => {
    const r = run(['--protocol', 'imagenet']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      "--protocol: expected one of paper, cifar-standard, received 'imagenet'",
    );
  });

  it('runs the paper protocol (224 pipeline, imagenet stem) on CIFAR-10 files from --data-dir', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sevar-resnet18-'));
    const folder = join(scratch, 'cifar-10-batches-bin');
    await mkdir(folder);
    // Files in the real CIFAR-10 record layout; --limit keeps 2 images per split.
    for (let i = 1; i <= 5; i++) {
      await writeFile(
        join(folder, `data_batch_${i}.bin`),
        embeddedCifarBytes({ split: 'train', count: 2, seed: i }),
      );
    }
    await writeFile(
      join(folder, 'test_batch.bin'),
      embeddedCifarBytes({ split: 'test', count: 2 }),
    );
    // Two records per file, not the official 10,000: --no-verify takes them as they are.
    const r = run([
      '--data-dir',
      scratch,
      '--no-verify',
      '--protocol',
      'paper',
      '--limit',
      '2',
      '--batch-size',
      '2',
      '--epochs',
      '1',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /resnet18 \(imagenet stem, attention: se, \d+ params\) on cifar10 224x224: 2 train \/ 2 test, protocol paper, sgd lr 0\.0125 cosine, batch 2/,
    );
    const m = /train loss (\S+) .* test loss (\S+) /.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    for (const loss of m!.slice(1).map(Number)) expect(Number.isFinite(loss)).toBe(true);
  });
});
