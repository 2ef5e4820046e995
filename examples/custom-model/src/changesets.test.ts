// Changesets versions each package on its own: a dry run of `changeset version` on a copy of the
// workspace's manifests and changeset config, in a scratch git repository.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

let work: string;
const before = new Map<string, Manifest>();

/** semver increment of a plain x.y.z version. */
function inc(version: string, kind: 'major' | 'minor' | 'patch'): string {
  const [x, y, z] = version.split('.').map(Number) as [number, number, number];
  if (kind === 'major') return `${x + 1}.0.0`;
  return kind === 'minor' ? `${x}.${y + 1}.0` : `${x}.${y}.${z + 1}`;
}

async function manifestAt(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sevar-changesets-'));
  await copyFile(join(ROOT, 'package.json'), join(work, 'package.json'));
  await writeFile(join(work, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n  - examples/*\n');
  await mkdir(join(work, '.changeset'));
  await copyFile(join(ROOT, '.changeset', 'config.json'), join(work, '.changeset', 'config.json'));
  for (const group of ['packages', 'examples']) {
    for (const dir of await readdir(join(ROOT, group))) {
      const from = join(ROOT, group, dir, 'package.json');
      if (!existsSync(from)) continue;
      await mkdir(join(work, group, dir), { recursive: true });
      await copyFile(from, join(work, group, dir, 'package.json'));
      before.set(`${group}/${dir}`, await manifestAt(join(work, group, dir)));
    }
  }
  await writeFile(
    join(work, '.changeset', 'layers-feature.md'),
    '---\n"@sevar/layers": major\n---\n\nA new variant option.\n',
  );
  await writeFile(
    join(work, '.changeset', 'datasets-fix.md'),
    '---\n"@sevar/datasets": patch\n---\n\nFix a parser edge case.\n',
  );
  const git = (...args: string[]) => run('git', args, { cwd: work });
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
  await run(join(ROOT, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: work });
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('changeset version', () => {
  it('bumps each package by its own changeset', async () => {
    const layers = before.get('packages/layers')!.version;
    const datasets = before.get('packages/datasets')!.version;
    expect((await manifestAt(join(work, 'packages/layers'))).version).toBe(inc(layers, 'major'));
    expect((await manifestAt(join(work, 'packages/datasets'))).version).toBe(
      inc(datasets, 'patch'),
    );
  });

  it('leaves a package that neither changed nor depends on a changed one alone', async () => {
    // @sevar/core depends on no other sevar package.
    const core = before.get('packages/core')!;
    expect(Object.keys(core.dependencies ?? {}).filter((d) => d.startsWith('@sevar/'))).toEqual([]);
    expect((await manifestAt(join(work, 'packages/core'))).version).toBe(core.version);
  });

  it('patches a dependent whose workspace range no longer covers the new version', async () => {
    // @sevar/models depends on `workspace:^`: a major release of layers leaves that range.
    const models = before.get('packages/models')!;
    expect(models.dependencies?.['@sevar/layers']).toBe('workspace:^');
    const after = await manifestAt(join(work, 'packages/models'));
    expect(after.version).toBe(inc(models.version, 'patch'));
    expect(after.dependencies?.['@sevar/layers']).toBe('workspace:^');
  });

  it('writes per-package changelogs and consumes the changesets', async () => {
    const changelog = await readFile(join(work, 'packages/layers/CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## ${inc(before.get('packages/layers')!.version, 'major')}`);
    expect(changelog).toContain('### Major Changes');
    expect(changelog).toContain('A new variant option.');
    expect(changelog).not.toContain('Fix a parser edge case.');
    const left = (await readdir(join(work, '.changeset'))).filter((f) => f.endsWith('.md'));
    expect(left).toEqual([]);
  });
});
