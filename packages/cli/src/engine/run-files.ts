import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttentionName } from '@sevar/layers';
import type { EpochRecord, Metrics } from '@sevar/trainer';
import { CliError } from '../errors.js';
import type { Recipe } from './recipe.js';
import { checkRunResult, checkRunSpec } from './run-schema.js';

/** What decides one run: stored as `run.json` so that a resume can check it. */
export interface RunSpec {
  recipe: Recipe;
  attention: AttentionName;
  seed: number;
}

/** What a finished run leaves in `result.json`. */
export interface RunResult {
  attention: AttentionName;
  seed: number;
  trainableParams: number;
  macsPerImage: number;
  history: EpochRecord[];
  test: Metrics;
  /** Training throughput over all epochs (examples / training seconds). */
  trainImagesPerSecond: number;
  /** Final evaluation throughput. */
  evalImagesPerSecond: number;
  backend: string;
  finishedAt: string;
}

/** Everything sevar writes in a run folder; `--fresh` deletes these and nothing else. */
export const RUN_FILES = {
  spec: 'run.json',
  log: 'log.jsonl',
  checkpoints: 'checkpoints',
  result: 'result.json',
  model: 'model',
} as const;

/** A run file that exists but does not hold what sevar writes there. */
export class RunFileError extends CliError {
  constructor(
    readonly file: string,
    expected: string,
    /** What the file holds instead, in words. */
    received: string,
    hint: string,
  ) {
    super(`${file}: expected ${expected}, received ${received}`, 1, {
      subject: file,
      expected,
      received,
      hint,
    });
    this.name = 'RunFileError';
  }
}

/** The folder holds a run trained with other settings, which it will not mix with this one. */
export class RunSettingsError extends CliError {
  constructor(
    readonly file: string,
    readonly differences: readonly string[],
  ) {
    super(
      `${file}: this folder holds a run with other settings (run.json → this command: ` +
        `${differences.join(', ')})`,
      1,
      {
        subject: file,
        hint:
          'Use another --out, or --fresh to delete that run and start over; a run is extended ' +
          'to more epochs by the same command with a larger --epochs.',
      },
    );
    this.name = 'RunSettingsError';
  }
}

export function runName(spec: Pick<RunSpec, 'attention' | 'seed'>): string {
  return `${spec.attention}-seed${spec.seed}`;
}

/**
 * Replaces `path` atomically (temporary file, fsync, rename), so a kill or a full disk never
 * leaves a half-written file where a finished one is expected.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

function describeText(text: string): string {
  const t = text.trim();
  if (t === '') return 'an empty file';
  return t.length > 60 ? `${JSON.stringify(t.slice(0, 60))}…` : JSON.stringify(t);
}

/** The parsed JSON of `path`, or null when it does not exist. */
async function readJsonFile(path: string, what: string, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RunFileError(path, what, describeText(text), hint);
  }
}

const SPEC_WHAT = 'the settings of a sevar run (JSON with recipe, attention and seed)';
const RESULT_WHAT = 'the result of a finished sevar run (JSON with attention, seed, test, history)';

/** `run.json` of `dir`, validated; null when there is none. */
export async function readRunSpec(dir: string): Promise<RunSpec | null> {
  const path = join(dir, RUN_FILES.spec);
  const hint = 'Delete it, or use --fresh to start the run over.';
  const value = await readJsonFile(path, SPEC_WHAT, hint);
  if (value === null) return null;
  const problem = checkRunSpec(value);
  if (typeof problem === 'string') throw new RunFileError(path, SPEC_WHAT, problem, hint);
  return problem;
}

/** `result.json` of `dir`, validated; null when the run has not finished. */
export async function readRunResult(dir: string): Promise<RunResult | null> {
  const path = join(dir, RUN_FILES.result);
  const hint = 'Delete it and run the same command again to finish the run from its checkpoint.';
  const value = await readJsonFile(path, RESULT_WHAT, hint);
  if (value === null) return null;
  const checked = checkRunResult(value);
  if (typeof checked === 'string') throw new RunFileError(path, RESULT_WHAT, checked, hint);
  return checked;
}

function show(v: unknown): string {
  return v === undefined ? '(all)' : String(v);
}

/** `key old → new` for every setting that differs, recipe keys first. */
export function specDifferences(stored: RunSpec, wanted: RunSpec): string[] {
  const diffs: string[] = [];
  const a = stored.recipe as unknown as Record<string, unknown>;
  const b = wanted.recipe as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[key] !== b[key]) diffs.push(`${key} ${show(a[key])} → ${show(b[key])}`);
  }
  if (stored.attention !== wanted.attention) {
    diffs.push(`attention ${stored.attention} → ${wanted.attention}`);
  }
  if (stored.seed !== wanted.seed) diffs.push(`seed ${stored.seed} → ${wanted.seed}`);
  return diffs;
}

/** True when `wanted` is `stored` with more epochs: the run can go on from its checkpoints. */
export function extendsEpochs(stored: RunSpec, wanted: RunSpec): boolean {
  if (wanted.recipe.epochs <= stored.recipe.epochs) return false;
  const same = { ...wanted, recipe: { ...wanted.recipe, epochs: stored.recipe.epochs } };
  return specDifferences(stored, same).length === 0;
}

/** Completed epochs of the newest checkpoint in `dir` (from its `latest` pointer), or null. */
export async function latestCheckpointEpoch(dir: string): Promise<number | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  let latest = '';
  try {
    latest = (await readFile(join(dir, 'latest'), 'utf8')).trim();
  } catch {
    // No pointer: the newest ckpt-* directory is what the trainer resumes from.
  }
  const epochs = names.map((n) => /^ckpt-(\d+)$/.exec(n)?.[1]).filter((e) => e !== undefined);
  const pointed = /^ckpt-(\d+)$/.exec(latest)?.[1];
  if (pointed !== undefined && epochs.includes(pointed)) return Number(pointed);
  return epochs.length === 0 ? null : Math.max(...epochs.map(Number));
}

async function entriesOf(dir: string, flag: string): Promise<string[] | null> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!info.isDirectory()) {
    throw new CliError(`${flag}: expected a folder, received the file ${dir}`, 2, { subject: dir });
  }
  return readdir(dir);
}

/** Whether an entry of a run folder is one of sevar's (its files and their temporary copies). */
function isRunEntry(name: string): boolean {
  return Object.values(RUN_FILES).some((f) => name === f || name.startsWith(`${f}.tmp-`));
}

/**
 * What `--fresh` deletes in the run folder `dir`: only sevar's run files. A folder that holds
 * other files and no run is refused (it is not a run folder: `--out .` must not wipe a project).
 */
export async function runFilesToDelete(
  dir: string,
  ignore: readonly string[] = [],
): Promise<string[]> {
  const entries = await entriesOf(dir, '--out');
  if (entries === null) return [];
  const ours = entries.filter(isRunEntry);
  const others = entries.filter((e) => !isRunEntry(e) && !ignore.includes(e));
  if (ours.length === 0 && others.length > 0) {
    throw new CliError(
      `--fresh: ${dir} holds no sevar run (no ${Object.values(RUN_FILES).join(', ')}) but ` +
        `other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); ` +
        'refusing to delete anything there',
      2,
      { subject: dir, hint: 'Pass the --out folder of a run.' },
    );
  }
  return ours.map((e) => join(dir, e));
}

export async function deletePaths(paths: readonly string[]): Promise<void> {
  for (const p of paths) await rm(p, { recursive: true, force: true });
}
