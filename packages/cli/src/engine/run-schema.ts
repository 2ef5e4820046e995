// Validation of run.json and result.json as read back from disk: a file edited by hand, truncated
// or written by another tool gives a message naming what is wrong instead of a TypeError later.
import { isAttentionName } from '@sevar/layers';
import type { AttentionName } from '@sevar/layers';
import { MODEL_NAMES, RESNET_STEMS } from '@sevar/models';
import { OPTIMIZER_NAMES } from '@sevar/trainer';
import { DATASET_NAMES } from '@sevar/datasets';
import { AUGMENTS, SCHEDULES } from './recipe.js';
import type { Recipe } from './recipe.js';
import type { RunResult, RunSpec } from './run-files.js';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function brief(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;
const oneOf = (choices: readonly string[]) => (v: unknown) =>
  typeof v === 'string' && choices.includes(v);

const RECIPE_FIELDS: Record<keyof Recipe, (v: unknown) => boolean> = {
  model: oneOf(MODEL_NAMES),
  dataset: oneOf(DATASET_NAMES),
  stem: oneOf(RESNET_STEMS),
  imageSize: isCount,
  epochs: isCount,
  batchSize: isCount,
  optimizer: oneOf(OPTIMIZER_NAMES),
  lr: isNumber,
  momentum: isNumber,
  weightDecay: isNumber,
  schedule: oneOf(SCHEDULES),
  gamma: isNumber,
  augment: oneOf(AUGMENTS),
  limitTrain: (v) => v === undefined || isCount(v),
  limitTest: (v) => v === undefined || isCount(v),
};

/** The first field of `o` that fails its check, as `key: value`, or null. */
function badField(o: Obj, fields: Record<string, (v: unknown) => boolean>): string | null {
  for (const [key, ok] of Object.entries(fields)) {
    if (!ok(o[key])) return key in o ? `${key}: ${brief(o[key])}` : `no '${key}'`;
  }
  return null;
}

/** The attention of a run file (files of earlier versions call it `method`). */
function attentionOf(o: Obj): AttentionName | string {
  const value = o['attention'] ?? o['method'];
  if (isAttentionName(value)) return value;
  return value === undefined ? "no 'attention'" : `attention: ${brief(value)}`;
}

/** The spec, or a description of what is wrong with `value`. */
export function checkRunSpec(value: unknown): RunSpec | string {
  if (!isObject(value)) return brief(value);
  if (!isObject(value['recipe'])) return `${brief(value)} (no 'recipe' object)`;
  const bad = badField(value['recipe'], RECIPE_FIELDS);
  if (bad !== null) return `a recipe with ${bad}`;
  const attention = attentionOf(value);
  if (!isAttentionName(attention)) return attention;
  if (!Number.isInteger(value['seed'])) return `seed: ${brief(value['seed'])}`;
  return { recipe: value['recipe'] as unknown as Recipe, attention, seed: value['seed'] as number };
}

const isMetrics = (v: unknown) =>
  isObject(v) && ['loss', 'top1', 'top5', 'examples'].every((k) => typeof v[k] === 'number');

const RESULT_FIELDS: Record<string, (v: unknown) => boolean> = {
  seed: Number.isInteger,
  trainableParams: isNumber,
  macsPerImage: isNumber,
  history: (v) => Array.isArray(v) && v.every((r) => isObject(r) && isMetrics(r['train'])),
  test: isMetrics,
  trainImagesPerSecond: isNumber,
  evalImagesPerSecond: isNumber,
  backend: (v) => typeof v === 'string',
  finishedAt: (v) => typeof v === 'string',
};

/** The result, or a description of what is wrong with `value`. */
export function checkRunResult(value: unknown): RunResult | string {
  if (!isObject(value)) return brief(value);
  const attention = attentionOf(value);
  if (!isAttentionName(attention)) return `${brief(value)} (${attention})`;
  const bad = badField(value, RESULT_FIELDS);
  if (bad !== null) return bad;
  const result = { ...value, attention } as Obj;
  delete result['method'];
  return result as unknown as RunResult;
}
