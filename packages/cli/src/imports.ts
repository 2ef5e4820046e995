// `sevar --import <module>`: loads the user's modules before a command runs, so that what they
// register (an attention module through @sevar/layers' registerAttention, say) is known to every
// flag and model. compare's worker threads load the same modules before their first run.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './errors.js';

const loaded: string[] = [];

/** A path (relative to `cwd`) as a file URL; a package name as it is. */
function specifierOf(module: string, cwd: string): string {
  const isPath = module.startsWith('.') || isAbsolute(module);
  return isPath ? pathToFileURL(resolve(cwd, module)).href : module;
}

/** Imports each module once, in order; a module that fails to load is a usage error. */
export async function importModules(
  modules: readonly string[],
  cwd = process.cwd(),
): Promise<void> {
  for (const module of modules) {
    const specifier = specifierOf(module, cwd);
    if (loaded.includes(specifier)) continue;
    try {
      await import(specifier);
    } catch (error) {
      throw new UsageError(
        '--import',
        'a module that loads (a file path or an installed package name)',
        module,
        `it failed with: ${(error as Error)?.message ?? String(error)}`,
      );
    }
    loaded.push(specifier);
  }
}

/** The specifiers imported so far (absolute file URLs or package names), for worker threads. */
export function importedModules(): readonly string[] {
  return [...loaded];
}
