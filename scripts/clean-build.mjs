// Run by each package's `build` before `tsc -b`: removes its dist/ and tsc's build info, so files
// of deleted sources never linger in dist/ (tsc does not remove them, and the build info kept
// beside tsconfig.json would otherwise tell tsc that a deleted dist/ is up to date).
import { rmSync } from 'node:fs';

for (const path of ['dist', 'tsconfig.tsbuildinfo']) rmSync(path, { recursive: true, force: true });
