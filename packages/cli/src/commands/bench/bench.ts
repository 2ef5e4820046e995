import * as tf from '@tensorflow/tfjs-core';
import { BackendNotInstalledError, createOptimizer, train, TrainerError } from '@sevar/trainer';
import type { BackendName, BatchSource } from '@sevar/trainer';
import type { AttentionName } from '@sevar/layers';
import type { ModelName } from '@sevar/models';
import { describeBackend, setBackend } from '../../backend.js';
import type { Context } from '../../context.js';
import { defaultRecipe, hasStem } from '../../engine/recipe.js';
import type { Recipe } from '../../engine/recipe.js';
import { renderText } from '../../engine/report/table.js';
import { buildModel, checkBuildable } from '../../engine/run.js';

export const BENCH_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

export interface BenchOptions {
  model: ModelName;
  attention: AttentionName;
  backends: BackendName[];
  batchSize: number;
  steps: number;
  imageSize?: number;
  /** Data-parallel worker threads for the training measurement; default 1. */
  workers?: number;
  json: boolean;
}

export interface BenchRow {
  backend: string;
  status: 'ok' | 'not installed' | 'failed';
  detail: string;
  trainImagesPerSecond: number | null;
  inferenceImagesPerSecond: number | null;
}

/** `steps` random batches; epoch 0 is one warm-up step (kernel compilation, allocation). */
function syntheticSource(
  shape: [number, number, number, number],
  classes: number,
  steps: number,
): BatchSource {
  return {
    batchesPerEpoch: steps,
    *epoch(e: number) {
      for (let i = 0; i < (e === 0 ? 1 : steps); i++) {
        yield {
          xs: tf.randomNormal(shape),
          ys: tf.randomUniform([shape[0]], 0, classes, 'int32') as tf.Tensor1D,
        };
      }
    },
  };
}

/** The default recipe of `o.model` at the image size asked for (with its stem for that size). */
function benchRecipe(o: BenchOptions): Recipe {
  const recipe = defaultRecipe(o.model, 'embedded');
  const size = o.imageSize ?? recipe.imageSize;
  return {
    ...recipe,
    imageSize: size,
    stem: hasStem(o.model) && size >= 128 ? 'imagenet' : recipe.stem,
  };
}

async function benchOne(
  name: BackendName,
  o: BenchOptions,
  recipe: Recipe,
  ctx: Context,
): Promise<BenchRow> {
  let detail: string;
  try {
    detail = describeBackend(await setBackend(name, ctx));
    if ((o.workers ?? 1) > 1) detail += `; ${o.workers} data-parallel workers`;
  } catch (error) {
    const status = error instanceof BackendNotInstalledError ? 'not installed' : 'failed';
    return {
      backend: name,
      status,
      detail: (error as Error).message,
      trainImagesPerSecond: null,
      inferenceImagesPerSecond: null,
    };
  }
  // As train does: an image size the model cannot take is a usage error (building needs a backend).
  checkBuildable(recipe, [o.attention]);
  const size = recipe.imageSize;
  const model = buildModel(recipe, o.attention, 1);
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9 });
  const shape: [number, number, number, number] = [o.batchSize, size, size, 3];
  try {
    const r = await train({
      model,
      optimizer,
      epochs: 2,
      seed: 1,
      progress: false,
      data: { train: syntheticSource(shape, 10, o.steps) },
      ...((o.workers ?? 1) > 1
        ? {
            dataParallel: {
              workers: o.workers,
              imports: [import.meta.resolve('@sevar/models')],
            },
          }
        : {}),
    });
    const trainIps = r.history[1]!.imagesPerSecond;
    const x = tf.randomNormal(shape);
    const predict = async () => {
      const y = model.predict(x) as tf.Tensor;
      await y.data();
      y.dispose();
    };
    await predict();
    const started = performance.now();
    for (let i = 0; i < o.steps; i++) await predict();
    const inferIps = (o.steps * o.batchSize) / ((performance.now() - started) / 1000);
    x.dispose();
    return {
      backend: name,
      status: 'ok',
      detail,
      trainImagesPerSecond: trainIps,
      inferenceImagesPerSecond: inferIps,
    };
  } catch (error) {
    if (!(error instanceof TrainerError) && !(error instanceof Error)) throw error;
    return {
      backend: name,
      status: 'failed',
      detail: `${detail}: ${error.message}`,
      trainImagesPerSecond: null,
      inferenceImagesPerSecond: null,
    };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

/** Training and inference images/s of one model on each backend that is installed. */
export async function benchCommand(o: BenchOptions, ctx: Context): Promise<BenchRow[]> {
  const recipe = benchRecipe(o);
  const rows: BenchRow[] = [];
  for (const name of o.backends) {
    ctx.stderr.write(`bench: ${name}...\n`);
    rows.push(await benchOne(name, o, recipe, ctx));
  }
  if (o.json) {
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return rows;
  }
  const fmt = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const head = ['backend', 'train img/s', 'inference img/s', 'status'];
  ctx.stdout.write(
    `${o.model} (${o.attention}), batch ${o.batchSize}, ${o.steps} timed steps after one warm-up step\n` +
      renderText({
        head,
        numeric: [false, true, true, false],
        rows: rows.map((r) => [
          r.backend,
          fmt(r.trainImagesPerSecond),
          fmt(r.inferenceImagesPerSecond),
          r.status === 'ok'
            ? r.detail
            : `${r.status}${r.status === 'failed' ? `: ${r.detail}` : ''}`,
        ]),
      }),
  );
  return rows;
}
