// System programs some tests start for real (a Redis server, a Vulkan driver, ...). `pnpm test`
// calls `ensureSystemDeps()` first: on a Debian machine, running as root, it installs what is
// missing with apt-get; anywhere else it prints one line per missing program saying what to
// install, and the tests that need it fail with their own message.
//
// Each entry: `name` (what the tests need), `present()` (true when nothing needs doing),
// `apt` (Debian packages), optional `suite` (an apt suite to add to the sources first, e.g.
// bookworm-backports) and `hint` (the line printed where it cannot be installed here).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True when `command` is an executable on PATH. */
export function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/** The installed version of a Debian package, or null (not installed, or no dpkg). */
export function debianVersion(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev} ${Version}', pkg], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return null;
  const [status, version] = r.stdout.trim().split(/\s+/);
  return status === 'ii' && version !== undefined ? version : null;
}

/** The leading major version of a Debian version string (`1:25.0.7-2~bpo12+1` -> 25). */
export function majorVersion(version) {
  const m = /^(?:\d+:)?(\d+)/.exec(version);
  return m === null ? NaN : Number(m[1]);
}

// Dawn (the `webgpu` npm package) refuses Debian 12's own Mesa 22.3 lavapipe; Mesa 25 from
// bookworm-backports works (the trainer's webgpu tests run on it).
export const MIN_MESA_MAJOR = 24;

/** True when a Vulkan loader and Mesa's lavapipe (new enough for Dawn) are installed. */
export function lavapipePresent() {
  if (process.platform !== 'linux') return true; // Metal / D3D12 behind Dawn there
  const icdDir = '/usr/share/vulkan/icd.d';
  const icd = existsSync(icdDir) && readdirSync(icdDir).some((f) => f.startsWith('lvp_icd'));
  if (!icd) return false;
  const mesa = debianVersion('mesa-vulkan-drivers');
  // Not Debian (no dpkg record): trust the installed ICD.
  if (mesa === null) return debianVersion('dpkg') === null;
  return majorVersion(mesa) >= MIN_MESA_MAJOR && debianVersion('libvulkan1') !== null;
}

export const SYSTEM_DEPS = [
  {
    name: 'redis-server (sweep tests)',
    present: () => onPath('redis-server'),
    apt: ['redis-server'],
    hint: 'install Redis 6.2 or later so that `redis-server` is on PATH (Debian: apt-get install redis-server)',
  },
  {
    name: `Mesa ${MIN_MESA_MAJOR}+ lavapipe Vulkan driver (webgpu tests)`,
    present: lavapipePresent,
    apt: ['mesa-vulkan-drivers', 'libvulkan1'],
    suite: 'bookworm-backports',
    hint:
      `install Mesa ${MIN_MESA_MAJOR} or later's Vulkan drivers and the Vulkan loader ` +
      '(Debian 12: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1)',
  },
  {
    // The browser tests drive Debian's Chromium through playwright-core (the finder in
    // examples/browser/src/chromium.ts also takes CHROMIUM_PATH, and falls back to the build in
    // the @sparticuz/chromium npm package where none can be installed).
    name: 'chromium (browser and playground tests)',
    present: () =>
      onPath('chromium') || (process.env.CHROMIUM_PATH ?? '') !== '' || onPath('chromium-browser'),
    // Chromium only recommends a font; without one the README screenshot has no text.
    apt: ['chromium', 'fonts-liberation'],
    hint: 'install Chromium (Debian: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable',
  },
];

function run(command, args) {
  const r = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

function canUseApt() {
  return (
    process.platform === 'linux' &&
    typeof process.getuid === 'function' &&
    process.getuid() === 0 &&
    onPath('apt-get')
  );
}

/** Adds `deb http://deb.debian.org/debian <suite> main` to apt's sources once. */
function addSuite(suite) {
  const file = `/etc/apt/sources.list.d/sevar-${suite}.list`;
  if (existsSync(file)) return;
  writeFileSync(file, `deb http://deb.debian.org/debian ${suite} main\n`);
}

/** Installs what is missing where it can; returns the names still missing. */
export function ensureSystemDeps(deps = SYSTEM_DEPS) {
  const missing = deps.filter((d) => !d.present());
  if (missing.length === 0) return [];
  if (!canUseApt()) {
    for (const d of missing) console.warn(`system: ${d.name} is missing: ${d.hint}`);
    return missing.map((d) => d.name);
  }
  for (const suite of new Set(missing.flatMap((d) => (d.suite ? [d.suite] : [])))) addSuite(suite);
  console.log(`system: installing ${missing.map((d) => d.name).join(', ')} with apt-get`);
  // Wait for another apt-get (a parallel install) instead of failing on its lock.
  const wait = ['-o', 'DPkg::Lock::Timeout=600'];
  run('apt-get', [...wait, 'update', '-qq']);
  for (const d of missing) {
    const target = d.suite ? ['-t', d.suite] : [];
    run('apt-get', [
      ...wait,
      'install',
      '-y',
      '-qq',
      '--no-install-recommends',
      ...target,
      ...d.apt,
    ]);
  }
  const still = missing.filter((d) => !d.present());
  for (const d of still) console.warn(`system: ${d.name} is still missing: ${d.hint}`);
  return still.map((d) => d.name);
}
