import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedCifarBytes } from '@sevar/datasets';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build first (npx tsc -b examples/cnn3-cifar10)`);
  return spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 110_000,
  });
}

const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

describe('cnn3-cifar10 example', () => {
  it('trains one smoke epoch (SEVAR_SMOKE=1) with an SE variant and prints finite metrics', () => {
    const r = run(['--attention', 'slow-squeeze-slow-excite'], { SEVAR_SMOKE: '1' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // 122,570 (SPEC) + the module's FC weights: 64 -> 8 -> 4 -> 8 -> 64 with biases.
    expect(r.stdout).toContain('attention: slow-squeeze-slow-excite, 123742 params');
    expect(r.stdout).toContain('on embedded: 256 train / 128 test images, batch 64, 1 epochs');
    const m =
      /epoch 1\/1 lr 1\.00 \| train loss (\S+) top-1 (\S+)% \| test loss (\S+) top-1 (\S+)%/.exec(
        r.stdout,
      );
    expect(m, r.stdout).not.toBeNull();
    const [trainLoss, trainTop1, testLoss, testTop1] = m!.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    // Cross-entropy over 10 classes starts near ln 10 = 2.30; anything far off means broken logits.
    for (const loss of [trainLoss, testLoss]) {
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeGreaterThan(1);
      expect(loss).toBeLessThan(5);
    }
    for (const top1 of [trainTop1, testTop1]) {
      expect(top1).toBeGreaterThanOrEqual(0);
      expect(top1).toBeLessThanOrEqual(100);
    }
    expect(r.stdout).toMatch(/final: test loss \d+\.\d{4}, top-1 \d+\.\d\d%/);
  });

  it('rejects an unknown variant with the valid names and exit code 1', () => {
    const r = run(['--smoke', '--attention', 'bogus']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      "--attention: expected none or one of se, slow-squeeze, slow-excite, slow-squeeze-slow-excite, bump, received 'bogus'",
    );
  });

  it('takes --seed 0 (the default it documents) and rejects a negative seed', () => {
    const negative = run(['--smoke', '--seed=-1']);
    expect(negative.status).toBe(1);
    expect(negative.stderr.trim()).toBe("--seed: expected an integer >= 0, received '-1'");
    const zero = run(['--seed', '0'], { SEVAR_SMOKE: '1' });
    expect(zero.status, zero.stderr).toBe(0);
  });

  it('reads CIFAR-10 binary batches from --data-dir (the extracted archive layout)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sevar-cnn3-'));
    scratch.push(dir);
    const folder = join(dir, 'cifar-10-batches-bin');
    await mkdir(folder);
    // Real CIFAR-10 record layout (label byte + R, G, B planes), 16 images per file.
    for (let i = 1; i <= 5; i++) {
      const bytes = embeddedCifarBytes({ split: 'train', count: 16, seed: i });
      await writeFile(join(folder, `data_batch_${i}.bin`), bytes);
    }
    await writeFile(
      join(folder, 'test_batch.bin'),
      embeddedCifarBytes({ split: 'test', count: 16 }),
    );
    // The files hold 16 records each, not the official 10,000: --no-verify takes them as they are.
    const r = run(['--data-dir', dir, '--no-verify', '--epochs', '1', '--batch-size', '40']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('on cifar10: 80 train / 16 test images, batch 40, 1 epochs');
    expect(r.stdout).toMatch(/epoch 1\/1 lr 1\.00 \| train loss \d+\.\d{4} /);
  });

  it('says where to put CIFAR-10 when it is missing and not downloading', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sevar-cnn3-'));
    scratch.push(dir);
    const r = run(['--data-dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cifar-10-binary.tar.gz not found');
    expect(r.stderr).toContain('(add --download to fetch it)');
  });
});
