import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function run(args: string[]) {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: build first (npx tsc -b examples/resnet18)`);
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 110_000 });
}

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
});
