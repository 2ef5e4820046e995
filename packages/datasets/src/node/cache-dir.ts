import { homedir } from 'node:os';
import { join } from 'node:path';

/** Environment variable that overrides the data cache directory. */
export const DATA_DIR_ENV = 'SEVAR_DATA_DIR';

/**
 * Where datasets are cached when no `dataDir` is given: `$SEVAR_DATA_DIR`, else the OS cache
 * directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS,
 * `%LOCALAPPDATA%` on Windows) + `/sevar/datasets`.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  const override = env[DATA_DIR_ENV];
  if (override !== undefined && override !== '') return override;
  const home = homedir();
  if (platform === 'win32') {
    return join(env['LOCALAPPDATA'] ?? join(home, 'AppData', 'Local'), 'sevar', 'datasets');
  }
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'sevar', 'datasets');
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(home, '.cache'), 'sevar', 'datasets');
}
