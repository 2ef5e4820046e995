import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('custom-model example', () => {
  it('trains the user model with model.fit and reloads it with identical predictions', () => {
    if (!existsSync(MAIN))
      throw new Error(`${MAIN} is missing: build first (npx tsc -b examples/custom-model)`);
    const r = spawnSync(process.execPath, [MAIN, 'slow-squeeze'], {
      encoding: 'utf8',
      timeout: 110_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const m = /^slow-squeeze: (\d+) params; loss (\S+) -> (\S+), accuracy (\S+)$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [params, first, last, accuracy] = m!.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    // conv1 448 + conv2 4,640 + dense 66, plus slow-squeeze (r=4) on 16 channels
    // (16->8->4->16: 136 + 36 + 80 = 252) and on 32 channels (32->16->8->32: 528 + 136 + 288 = 952).
    expect(params).toBe(448 + 4640 + 66 + 252 + 952);
    for (const loss of [first, last]) expect(Number.isFinite(loss)).toBe(true);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(r.stdout).toContain('reloaded: 2 attention layers, max prediction difference 0');
  });
});
