// System programs some tests start for real (a Redis server, a Vulkan driver, ...). `pnpm test`
// calls `ensureSystemDeps()` first: on a Debian machine, running as root, it installs what is
// missing with apt-get; anywhere else it prints one line per missing program saying what to
// install, and the tests that need it fail with their own message.
//
// Each entry: `name` (what the tests need), `present()` (true when nothing needs doing),
// `apt` (Debian packages), optional `suite` (an apt suite to add to the sources first, e.g.
// bookworm-backports) and `hint` (the line printed where it cannot be installed here).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** True when `command` is an executable on PATH. */
export function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, command)));
}

export const SYSTEM_DEPS = [
  {
    name: 'redis-server (sweep tests)',
    present: () => onPath('redis-server'),
    apt: ['redis-server'],
    hint: 'install Redis 6.2 or later so that `redis-server` is on PATH (Debian: apt-get install redis-server)',
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
  run('apt-get', ['update', '-qq']);
  for (const d of missing) {
    const target = d.suite ? ['-t', d.suite] : [];
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...target, ...d.apt]);
  }
  const still = missing.filter((d) => !d.present());
  for (const d of still) console.warn(`system: ${d.name} is still missing: ${d.hint}`);
  return still.map((d) => d.name);
}
