import { readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../../errors.js';
import { LOCK_FILE } from '../../engine/lock.js';
import { deletePaths, runFilesToDelete } from '../../engine/run-files.js';

/** The files compare writes at the top of its results folder, besides `runs/` and `plots/`. */
export const RESULT_FILES = ['results.json', 'results.md', 'report.html'] as const;
/** The plots it writes in `plots/`, each as `.svg` and `.png`. */
export const PLOT_NAMES = ['learning-curves', 'test-accuracy', 'final-accuracy'] as const;

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR')
      throw new CliError(`--out: expected a folder, received the file ${dir}`, 2);
    throw error;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * What `--fresh` deletes in a compare/reproduce results folder: the runs' own files (see
 * `runFilesToDelete`), the results files and the plots sevar wrote. A folder that holds other
 * files and no results is refused; files of others inside it are left alone.
 */
async function resultsToDelete(out: string): Promise<string[]> {
  const entries = await list(out);
  const ours = entries.filter(
    (e) => e === 'runs' || e === 'plots' || (RESULT_FILES as readonly string[]).includes(e),
  );
  const others = entries.filter((e) => !ours.includes(e) && e !== LOCK_FILE);
  if (ours.length === 0 && others.length > 0) {
    throw new CliError(
      `--fresh: ${out} holds no sevar results (no runs/, results.json) but other files ` +
        `(${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); refusing to ` +
        'delete anything there',
      2,
      { subject: out, hint: 'Pass the --out folder of a compare or reproduce.' },
    );
  }
  const paths = RESULT_FILES.filter((f) => entries.includes(f)).map((f) => join(out, f));
  const plots = join(out, 'plots');
  const plotFiles = await list(plots);
  for (const name of PLOT_NAMES) {
    for (const ext of ['svg', 'png']) {
      if (plotFiles.includes(`${name}.${ext}`)) paths.push(join(plots, `${name}.${ext}`));
    }
  }
  const runs = join(out, 'runs');
  for (const run of await list(runs)) {
    if (await isDir(join(runs, run))) paths.push(...(await runFilesToDelete(join(runs, run))));
  }
  return paths;
}

/** Deletes sevar's earlier results in `out` (checked in full before anything is deleted). */
export async function clearResults(out: string): Promise<void> {
  await deletePaths(await resultsToDelete(out));
  // Folders left empty go too; ones holding files of others stay.
  const runs = join(out, 'runs');
  for (const dir of [...(await list(runs)).map((r) => join(runs, r)), runs, join(out, 'plots')]) {
    try {
      await rmdir(dir);
    } catch {
      // not empty, not a folder, or gone
    }
  }
}
