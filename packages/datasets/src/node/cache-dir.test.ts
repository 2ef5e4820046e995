import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR_ENV, defaultDataDir } from './cache-dir.js';

describe('defaultDataDir', () => {
  it('prefers $SEVAR_DATA_DIR, else the OS cache directory', () => {
    expect(defaultDataDir({ [DATA_DIR_ENV]: join('x', 'data') }, 'linux')).toBe(join('x', 'data'));
    expect(defaultDataDir({}, 'linux')).toBe(join(homedir(), '.cache', 'sevar', 'datasets'));
    expect(defaultDataDir({ XDG_CACHE_HOME: join('c') }, 'linux')).toBe(
      join('c', 'sevar', 'datasets'),
    );
    expect(defaultDataDir({}, 'darwin')).toBe(
      join(homedir(), 'Library', 'Caches', 'sevar', 'datasets'),
    );
    expect(defaultDataDir({ LOCALAPPDATA: join('L') }, 'win32')).toBe(
      join('L', 'sevar', 'datasets'),
    );
    expect(defaultDataDir({ [DATA_DIR_ENV]: '' }, 'linux')).toBe(
      join(homedir(), '.cache', 'sevar', 'datasets'),
    );
  });
});
