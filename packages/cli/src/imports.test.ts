import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, readJson, runCli, spawnCli, tempDir } from './__tests__/helpers.js';

// A user's module file, written where its bare imports resolve to this workspace's packages
// (the same @sevar/layers instance as the CLI's), registering its own attention module.
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const DIR = join(PACKAGE, '.vitest', `import-${process.pid}`);
const PLUGIN = join(DIR, 'scale-gate.mjs');
mkdirSync(DIR, { recursive: true });
writeFileSync(
  PLUGIN,
  `import * as tf from '@tensorflow/tfjs-core';
import { AttentionLayer, registerAttention } from '@sevar/layers';

class ScaleGate extends AttentionLayer {
  static className = 'TestScaleGate';
  static key = 'scale-gate';
  static optionNames = [];
  parameterCount(c) { return c; }
  buildWeights(c) { this.w = this.addTrainable('w', [c], 'ones'); }
  forward(x) { return tf.mul(x, tf.sigmoid(this.w.read())); }
}
tf.serialization.registerClass(ScaleGate);
registerAttention({
  key: 'scale-gate', title: 'Scale gate (a user module)', citation: 'the tests', kind: 'channel',
  computes: 'y = x·σ(w)', layerClass: ScaleGate,
});
`,
);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('sevar --import: modules registered by the user', () => {
  it('variants lists the registered module with its parameters', async () => {
    const r = await runCli(['--import', PLUGIN, 'variants', '--json', '--channels', '24']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; params: number; paper: boolean }[];
    expect(rows.find((x) => x.name === 'scale-gate')).toMatchObject({ params: 24, paper: false });
  });

  it('compare trains it on worker threads and reports it beside none, with no paper numbers', async () => {
    const out = join(await tempDir('import'), 'results');
    const args = ['--import', PLUGIN, 'compare', '--attention', 'scale-gate', '--epochs', '1'];
    args.push('--limit-train', '32', '--limit-test', '16', '--jobs', '2', '--out', out);
    const r = await spawnCli(args, { cwd: DIR });
    expect(r.code, r.stderr).toBe(0);
    const res = await readJson<{
      summary: { attention: string; paperName: string; paper: unknown }[];
    }>(join(out, 'results.json'));
    expect(res.summary.map((s) => [s.attention, s.paperName, s.paper])).toEqual([
      ['none', 'No attention (default)', null],
      ['scale-gate', 'Scale gate (a user module)', null],
    ]);
  });

  it('a module that does not load is one usage line, exit 2', async () => {
    const r = await runCli(['--import', './no-such-module.mjs', 'variants']);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr)).toMatch(
      /^error: --import: expected a module that loads .*received "\.\/no-such-module\.mjs"/,
    );
  });
});
