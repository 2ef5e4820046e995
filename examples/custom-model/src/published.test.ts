// The packages as npm would publish them: packed with pnpm (which rewrites `workspace:^`),
// linted (publint --strict, attw), installed with npm into a project outside the workspace,
// run as ESM and type-checked there.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));
const PNPM = ['-y', 'pnpm@10.34.9'];
const TFJS = '4.22.0';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Packed {
  manifest: Manifest;
  tarball: string;
  files: string[];
}

/** Every non-private package under packages/, read from the workspace. */
async function publishable(): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  for (const dir of (await readdir(join(ROOT, 'packages'))).sort()) {
    const file = join(ROOT, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const m = JSON.parse(await readFile(file, 'utf8')) as Manifest;
    if (m.private !== true) versions.set(m.name, m.version);
  }
  return versions;
}

let work: string;
const packed = new Map<string, Packed>();
const versions = await publishable();
const names = [...versions.keys()];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sevar-published-'));
  const out = join(work, 'tarballs');
  await mkdir(out);
  // One pnpm run packs them all (dist must be built: the root test script runs tsc -b first).
  await run('npx', [...PNPM, '-r', '--filter', './packages/*', 'pack', '--pack-destination', out], {
    cwd: ROOT,
  });
  for (const name of names) {
    // pnpm names it <scope>-<name>-<version>.tgz.
    const path = join(out, `${name.slice(1).replace('/', '-')}-${versions.get(name)!}.tgz`);
    if (!existsSync(path)) throw new Error(`pnpm pack wrote no ${path} for ${name}`);
    const manifest = JSON.parse(
      (await run('tar', ['-xzOf', path, 'package/package.json'])).stdout,
    ) as Manifest;
    const files = (await run('tar', ['-tzf', path])).stdout.trim().split('\n');
    packed.set(name, { manifest, tarball: path, files });
  }
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(names)('%s as packed', (name) => {
  const get = (): Packed => packed.get(name)!;

  it('has real version ranges and ships dist, its sources, package.json and README only', () => {
    const { manifest, files } = get();
    for (const deps of [manifest.dependencies ?? {}, manifest.peerDependencies ?? {}]) {
      for (const [dep, range] of Object.entries(deps))
        expect(range, dep).not.toMatch(/^workspace:/);
    }
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/README.md');
    const stray = files.filter(
      (f) =>
        !/^package\/(dist\/.+|src\/.+\.ts|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(
          f,
        ) || /\.test\.|__fixtures__|__tests__/.test(f),
    );
    expect(stray).toEqual([]);
  });

  // Declaration and source maps point into src/: jump-to-source only works if it ships.
  it('ships every file its source maps refer to', async () => {
    const { tarball, files } = get();
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const shipped = new Set(files);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse((await run('tar', ['-xzOf', tarball, map])).stdout) as {
        sources: string[];
      };
      for (const source of sources) {
        const target = posix.normalize(posix.join(posix.dirname(map), source));
        if (!shipped.has(target)) missing.push(`${map} -> ${source}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('passes publint --strict', async () => {
    const data = await readFile(get().tarball);
    const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    const { messages, pkg } = await publint({ pack: { tarball }, strict: true });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
  });

  it('passes @arethetypeswrong/cli (ESM-only profile)', async () => {
    const attw = join(HERE, 'node_modules', '.bin', 'attw');
    // ESM-only on purpose: require() from CommonJS (node16-cjs, node10) is not supported.
    const r = await run(attw, [get().tarball, '--profile', 'esm-only', '--format', 'ascii'], {
      env: { ...process.env, NO_COLOR: '1' },
    }).catch((e: { stdout?: string; code?: number }) => e);
    expect('code' in r ? r.code : 0, r.stdout).toBe(0);
  });
});

describe('installed with npm into a project outside the workspace', () => {
  let project: string;

  beforeAll(async () => {
    project = join(work, 'consumer');
    await mkdir(project);
    const dependencies: Record<string, string> = {
      '@tensorflow/tfjs-core': TFJS,
      '@tensorflow/tfjs-layers': TFJS,
      '@tensorflow/tfjs-backend-cpu': TFJS,
    };
    for (const name of names) {
      dependencies[name] = `file:${packed.get(name)!.tarball}`;
    }
    const manifest = { name: 'sevar-consumer', private: true, type: 'module', dependencies };
    await writeFile(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
    for (const f of ['smoke.mjs', 'types.ts', 'tsconfig.json']) {
      await copyFile(join(HERE, 'consumer', f), join(project, f));
    }
    // A peer range that rejects tfjs 4.22.0 fails here (npm checks peers; no --legacy-peer-deps).
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        cwd: project,
      },
    );
  });

  it('runs an ESM program against every library package', async () => {
    const { stdout } = await run(process.execPath, ['smoke.mjs'], { cwd: project });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(result['backend']).toBe('cpu');
    expect(Object.keys(result['shapes'] as object)).toEqual([
      'se',
      'slow-squeeze',
      'slow-excite',
      'slow-squeeze-slow-excite',
      'bump',
    ]);
    for (const shape of Object.values(result['shapes'] as object))
      expect(shape).toEqual([2, 6, 6, 32]);
    expect(result['reloadedClass']).toBe('SevarBump');
    expect(result['reloadMaxDiff']).toBe(0);
    // SPEC: cnn3 with `se` has 123,150 trainable parameters.
    expect(result['cnn3Params']).toBe(123150);
    expect(Number.isFinite(result['trainLoss'])).toBe(true);
    expect(result['deepImport']).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('installs a working `sevar` binary', async () => {
    expect(names).toContain('@sevar/cli');
    const sevar = join(project, 'node_modules', '.bin', 'sevar');
    const version = await run(sevar, ['--version']);
    expect(version.stdout.trim()).toBe(versions.get('@sevar/cli'));
    const { stdout } = await run(sevar, ['variants']);
    // Extra parameters at C=64, r=16 (m=4, h=8), counted by hand: kernels + biases of each FC.
    const params = {
      se: 64 * 4 + 4 + 4 * 64 + 64,
      'slow-squeeze': 64 * 8 + 8 + 8 * 4 + 4 + 4 * 64 + 64,
      'slow-excite': 64 * 4 + 4 + 4 * 8 + 8 + 8 * 64 + 64,
      'slow-squeeze-slow-excite': 64 * 8 + 8 + 8 * 4 + 4 + 4 * 8 + 8 + 8 * 64 + 64,
      bump: 64 * 4 + 4 + 4 * 4 + 4 + 4 * 64 + 64,
    };
    for (const [name, count] of Object.entries(params)) {
      expect(stdout).toMatch(new RegExp(`^${name} .* ${count}$`, 'm'));
    }
  });

  it('type-checks a strict nodenext TypeScript program against the published .d.ts', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch(
      (e: { stdout?: string; code?: number }) => e,
    );
    expect('code' in r ? r.code : 0, r.stdout).toBe(0);
  });

  it('holds exactly one copy of @tensorflow/tfjs-core', async () => {
    const copies: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const nm = join(dir, 'node_modules');
      if (!existsSync(nm)) return;
      for (const entry of await readdir(nm)) {
        const scoped = entry.startsWith('@')
          ? (await readdir(join(nm, entry))).map((e) => `${entry}/${e}`)
          : [entry];
        for (const pkg of scoped) {
          if (pkg === '@tensorflow/tfjs-core') copies.push(join(nm, pkg));
          await walk(join(nm, pkg));
        }
      }
    };
    await walk(project);
    expect(copies).toEqual([join(project, 'node_modules', '@tensorflow', 'tfjs-core')]);
  });
});
