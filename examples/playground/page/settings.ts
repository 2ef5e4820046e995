// The page's settings, read from and written to the address (`?modules=none,se&backend=webgl…`),
// so that a link reproduces a run. The form is read through the same parser.
import { SevarError } from '@sevar/core';
import { DEFAULT_MODULES, MODULES } from './modules.js';

/** The order backends are tried in, from the one chosen on; `auto` starts at webgpu only on a GPU. */
export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export const BACKENDS = ['auto', ...BACKEND_ORDER] as const;
export type Backend = (typeof BACKENDS)[number];
export type ConcreteBackend = (typeof BACKEND_ORDER)[number];

export interface Settings {
  /** Attention modules trained side by side (`none` is the plain cnn3). */
  modules: string[];
  /**
   * Backend tried first; the page falls back along webgpu → webgl → wasm → cpu. `auto`: webgpu on
   * a hardware adapter, else webgl (a software WebGPU adapter is slower than wasm).
   */
  backend: Backend;
  /** Training steps per module. */
  steps: number;
  batch: number;
  /** Adam's learning rate. */
  lr: number;
  /** Steps between evaluations (a point on the curves and a gate view update). */
  every: number;
  /** Seeds the weights and the order of the batches (the same for every module). */
  seed: number;
  /** Training images generated (the first ones of the embedded training split). */
  train: number;
  /** Test images evaluated at each point. */
  test: number;
  /** Index of the test image shown in the gate view. */
  image: number;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = {
  modules: [...DEFAULT_MODULES],
  backend: 'auto',
  steps: 300,
  batch: 32,
  lr: 0.003,
  every: 10,
  seed: 1,
  train: 5000,
  test: 500,
  image: 0,
};

/** Images in the embedded dataset's splits. */
export const TRAIN_IMAGES = 5000;
export const TEST_IMAGES = 1000;

/** A setting in the address or the form that the page cannot use; names the parameter. */
export class PlaygroundSettingError extends SevarError {
  static override readonly packageName: string = '@sevar/example-playground';
  constructor(parameter: string, expected: string, received: unknown) {
    super({ subject: `?${parameter}`, expected, received });
    this.name = 'PlaygroundSettingError';
  }
}

type NumericKey = 'steps' | 'batch' | 'lr' | 'every' | 'seed' | 'train' | 'test' | 'image';

/** Bounds of each numeric setting; `integer` ones reject fractions. */
export const NUMERIC: Record<NumericKey, { min: number; max: number; integer: boolean }> = {
  steps: { min: 1, max: 100_000, integer: true },
  batch: { min: 1, max: 512, integer: true },
  lr: { min: 1e-6, max: 10, integer: false },
  every: { min: 1, max: 100_000, integer: true },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  train: { min: 1, max: TRAIN_IMAGES, integer: true },
  test: { min: 1, max: TEST_IMAGES, integer: true },
  image: { min: 0, max: TEST_IMAGES - 1, integer: true },
};

function parseNumber(key: NumericKey, raw: string): number {
  const { min, max, integer } = NUMERIC[key];
  const value = raw.trim() === '' ? NaN : Number(raw);
  const ok = Number.isFinite(value) && value >= min && value <= max;
  if (!ok || (integer && !Number.isInteger(value))) {
    throw new PlaygroundSettingError(
      key,
      `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
      raw,
    );
  }
  return value;
}

function parseModules(values: string[]): string[] {
  const modules = values.flatMap((v) => v.split(',')).filter((m) => m !== '');
  for (const m of modules) {
    if (!MODULES.includes(m)) {
      throw new PlaygroundSettingError('modules', `names from ${MODULES.join(', ')}`, m);
    }
  }
  const unique = [...new Set(modules)];
  if (unique.length === 0) {
    throw new PlaygroundSettingError('modules', 'at least one module', values.join(','));
  }
  return unique;
}

/**
 * Settings from `params` (the address's query, or the form's data); absent ones take their
 * defaults, and a value the page cannot use throws {@link PlaygroundSettingError}.
 */
export function parseSettings(params: URLSearchParams): Settings {
  const s: Settings = { ...DEFAULT_SETTINGS, modules: [...DEFAULT_SETTINGS.modules] };
  if (params.has('modules')) s.modules = parseModules(params.getAll('modules'));
  const backend = params.get('backend');
  if (backend !== null) {
    if (!(BACKENDS as readonly string[]).includes(backend)) {
      throw new PlaygroundSettingError('backend', `one of ${BACKENDS.join(', ')}`, backend);
    }
    s.backend = backend as Backend;
  }
  for (const key of Object.keys(NUMERIC) as NumericKey[]) {
    const raw = params.get(key);
    if (raw !== null) s[key] = parseNumber(key, raw);
  }
  if (s.batch > s.train) {
    throw new PlaygroundSettingError('batch', `at most ?train (${s.train})`, s.batch);
  }
  if (s.image >= s.test) {
    throw new PlaygroundSettingError('image', `an index below ?test (${s.test})`, s.image);
  }
  return s;
}

/** The query string that reproduces `s` (every setting written, so that later defaults cannot change the run). */
export function settingsQuery(s: Settings): string {
  const params = new URLSearchParams({
    modules: s.modules.join(','),
    backend: s.backend,
    steps: String(s.steps),
    batch: String(s.batch),
    lr: String(s.lr),
    every: String(s.every),
    seed: String(s.seed),
    train: String(s.train),
    test: String(s.test),
    image: String(s.image),
  });
  // Commas are legal in a query; keep the module list readable.
  return `?${params.toString().replaceAll('%2C', ',')}`;
}
