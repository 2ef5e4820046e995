// Fails when a library or CLI source file grows past 400 lines (tests and generated files
// excepted): past that a reader looks for the parts, so split the file where they are.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIMIT = 400;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', 'dist', 'generated', '__tests__', '__fixtures__'].includes(entry.name))
        yield* sources(path);
    } else if (/\.(ts|mjs|js)$/.test(entry.name) && !/\.test\.|\.d\.ts$/.test(entry.name)) {
      yield path;
    }
  }
}

const tooLong = [];
for (const pkg of readdirSync(join(ROOT, 'packages'))) {
  for (const file of sources(join(ROOT, 'packages', pkg, 'src'))) {
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    if (lines > LIMIT) tooLong.push(`${relative(ROOT, file)}: ${lines} lines`);
  }
}
if (tooLong.length > 0) {
  console.error(`source files over ${LIMIT} lines (split them):\n  ${tooLong.join('\n  ')}`);
  process.exit(1);
}
console.log(`every library and CLI source file has at most ${LIMIT} lines`);
