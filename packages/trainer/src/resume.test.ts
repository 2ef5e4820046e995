import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The child runs the built fixture (dist/__fixtures__/train-child.js), as a user's script would.
const script = fileURLToPath(new URL('../dist/__fixtures__/train-child.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sevar-resume-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface ChildOutput {
  resumedFromEpoch: number | null;
  history: { train: { loss: number } }[];
  weights: number[][];
}

/** Runs the child to completion, or until it prints its pause marker, then SIGKILLs it. */
function runChild(
  args: string[],
  killOnPause: boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (killOnPause && stdout.includes('paused epoch')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve({ code, signal, stdout });
    });
  });
}

describe('kill and resume (child process, cpu backend)', () => {
  it('a run SIGKILLed mid-epoch and resumed ends with the same weights as an uninterrupted run', async () => {
    expect(
      existsSync(script),
      `${script} is missing: build first (npx tsc -b packages/trainer)`,
    ).toBe(true);
    const fullOut = join(work, 'full.json');
    await runChild([join(work, 'full'), '0', fullOut], false);

    const dir = join(work, 'killed');
    const killed = await runChild([dir, '0', join(work, 'unused.json'), '2:3'], true);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toContain('paused epoch 2 step 3');
    // Killed in epoch 2: only epoch 1's checkpoint exists.
    expect(readFileSync(join(dir, 'latest'), 'utf8').trim()).toBe('ckpt-000001');

    const resumedOut = join(work, 'resumed.json');
    await runChild([dir, '1', resumedOut], false);
    const full = JSON.parse(readFileSync(fullOut, 'utf8')) as ChildOutput;
    const resumed = JSON.parse(readFileSync(resumedOut, 'utf8')) as ChildOutput;
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(full.resumedFromEpoch).toBeNull();
    expect(resumed.history.map((h) => h.train.loss)).toEqual(full.history.map((h) => h.train.loss));
    // Bit-exact: JSON numbers round-trip float32 values exactly.
    expect(resumed.weights).toEqual(full.weights);
  });
});
