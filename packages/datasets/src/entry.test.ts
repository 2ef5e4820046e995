import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = import.meta.dirname;

/** Every module reachable from `entry` through relative imports, with its bare imports. */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
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
  it('the main entry imports no Node built-in and nothing from ./node (browser-safe)', () => {
    const g = graph(join(SRC, 'index.ts'));
    expect(g.size).toBeGreaterThan(8);
    for (const [file, bare] of g) {
      const rel = relative(SRC, file);
      expect(rel.startsWith('node')).toBe(false);
      expect(
        bare.filter((s) => s !== '@tensorflow/tfjs-core' && s !== '@sevar/core'),
        rel,
      ).toEqual([]);
    }
  });

  it('the node entry reaches the Node modules it needs', () => {
    const bare = new Set([...graph(join(SRC, 'node', 'index.ts')).values()].flat());
    for (const m of ['node:zlib', 'node:fs', 'node:http', 'tar', 'cli-progress'])
      expect(bare).toContain(m);
  });
});
