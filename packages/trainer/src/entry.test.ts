import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as browser from './browser.js';
import * as main from './index.js';

const SRC = import.meta.dirname;
const PEERS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'];

/** Modules reachable from `entry` through static imports (dynamic `import()` is lazy), with their bare static imports. */
function staticGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specs = [
      ...text.matchAll(/^(?:import|export)\s(?!type\b)(?:[^'"]*?\sfrom\s)?'([^']+)'/gm),
    ].map((m) => m[1]!);
    seen.set(
      file,
      specs.filter((s) => !s.startsWith('.')),
    );
    for (const s of specs.filter((x) => x.startsWith('.'))) {
      visit(join(dirname(file), s.replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return seen;
}

describe('entry points', () => {
  it('the browser entry statically imports no Node built-in, cli-progress or worker code', () => {
    const g = staticGraph(join(SRC, 'browser.ts'));
    expect([...g.keys()].map((f) => relative(SRC, f))).toContain('train.ts');
    for (const [file, bare] of g) {
      expect(
        bare.filter((s) => !PEERS.includes(s)),
        relative(SRC, file),
      ).toEqual([]);
    }
  });

  it('the Node entry does reach the file-system and worker modules', () => {
    const bare = new Set([...staticGraph(join(SRC, 'index.ts')).values()].flat());
    for (const m of ['node:fs/promises', 'node:worker_threads']) expect(bare).toContain(m);
  });

  it('the browser entry exports the Node entry minus checkpoints and data parallelism', () => {
    const nodeOnly = Object.keys(main).filter((k) => !(k in browser));
    expect(nodeOnly.sort()).toEqual(
      [
        'CHECKPOINT_FORMAT',
        'DataParallelError',
        'checkpointDirName',
        'createDataParallelStep',
        'loadLatestCheckpoint',
        'restoreCheckpoint',
        'saveCheckpoint',
      ].sort(),
    );
    for (const k of Object.keys(browser)) expect(main).toHaveProperty(k);
  });
});
