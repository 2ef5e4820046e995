import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as browser from './browser.js';
import * as main from './index.js';

const SRC = import.meta.dirname;
// Browser-safe: the peers, @sevar/core (no dependencies), @sevar/layers (tfjs and @sevar/core).
const ALLOWED = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@sevar/core',
  '@sevar/layers',
];

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
        bare.filter((s) => !ALLOWED.includes(s)),
        relative(SRC, file),
      ).toEqual([]);
    }
  });

  it('the Node entry does reach the file-system and worker modules', () => {
    const bare = new Set([...staticGraph(join(SRC, 'index.ts')).values()].flat());
    for (const m of ['node:fs/promises', 'node:worker_threads']) expect(bare).toContain(m);
  });

  it('the Node entry is the browser entry plus exactly the declared Node-only values', () => {
    const nodeOnly = Object.keys(main).filter((k) => !(k in browser));
    expect(nodeOnly.sort()).toEqual([...NODE_ONLY_VALUES].sort());
    const shared = main as Record<string, unknown>;
    for (const [k, v] of Object.entries(browser)) expect(shared[k], k).toBe(v);
  });

  it('index.ts re-exports browser.ts wholesale and names only the Node-only values and types', () => {
    const index = readFileSync(join(SRC, 'index.ts'), 'utf8');
    expect(index).toMatch(/^export \* from '\.\/browser\.js';$/m);
    // Any other `export *` would let names in without being listed here.
    expect(index.match(/^export \*/gm)).toHaveLength(1);
    const listed = exportedNames(index);
    expect(listed.sort()).toEqual([...NODE_ONLY_VALUES, ...NODE_ONLY_TYPES].sort());
    const inBrowser = new Set(exportedNames(readFileSync(join(SRC, 'browser.ts'), 'utf8')));
    expect(listed.filter((n) => inBrowser.has(n))).toEqual([]);
  });
});

/** What only the Node entry exports: checkpoint and model files, worker-thread data parallelism. */
const NODE_ONLY_VALUES = [
  'CHECKPOINT_FORMAT',
  'DataParallelError',
  'checkpointDirName',
  'createDataParallelStep',
  'loadLatestCheckpoint',
  'restoreCheckpoint',
  'saveCheckpoint',
  'saveModel',
  'loadModel',
  'MODEL_JSON',
  'MODEL_WEIGHTS',
  'MODEL_CHECKSUMS',
  'MODEL_CHECKSUMS_FORMAT',
];
const NODE_ONLY_TYPES = [
  'DataParallelOptions',
  'DataParallelStep',
  'DataParallelStepOptions',
  'DataParallelStepResult',
  'CheckpointManifest',
  'CheckpointState',
  'CheckpointTensorEntry',
  'LoadedCheckpoint',
  'FileChecksum',
  'LoadModelOptions',
  'ModelChecksums',
];

/** Names listed by `export { ... } from` and `export type { ... } from` statements. */
function exportedNames(source: string): string[] {
  return [...source.matchAll(/^export (?:type )?\{([^}]*)\} from /gm)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== ''),
  );
}
