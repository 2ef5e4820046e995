// `pnpm test`: turbo builds, type-checks and lints every package, then runs every package's
// tests (two packages at a time), and prints one closing line that adds up the packages'
// results, cached ones included.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureSystemDeps } from './system-deps.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TURBO_FLAGS = ['--continue', '--output-logs=new-only'];

function turbo(...args) {
  const r = spawnSync('turbo', ['run', ...args, ...TURBO_FLAGS], {
    cwd: ROOT,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** Packages with a `test` script, and the vitest JSON report each one leaves (a turbo output). */
function testedPackages() {
  const found = [];
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const manifest = join(ROOT, group, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (pkg.scripts?.test === undefined) continue;
      found.push({ name: pkg.name, report: join(ROOT, group, name, '.vitest', 'results.json') });
    }
  }
  return found;
}

function summarize() {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const missing = [];
  for (const { name, report } of testedPackages()) {
    if (!existsSync(report)) {
      missing.push(name);
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    total.passed += r.numPassedTests;
    // A file that fails to load fails no test but fails its suite.
    total.failed += r.numFailedTests || (r.success ? 0 : Math.max(1, r.numFailedTestSuites));
    total.skipped += r.numPendingTests + r.numTodoTests;
  }
  if (missing.length > 0) console.log(`no test report from ${missing.join(', ')}`);
  console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed === 0 && missing.length === 0;
}

// Programs the tests start for real (see system-deps.mjs); installed here on a fresh Debian machine.
ensureSystemDeps();

const checked = turbo('build', 'typecheck', 'lint', 'lint:root', '--concurrency=2');
if (checked !== 0) {
  console.error('build, typecheck or lint failed (see above); tests not run');
  process.exit(checked);
}
const tested = turbo('test', '--concurrency=2');
const complete = summarize();
process.exit(tested !== 0 ? tested : complete ? 0 : 1);
