import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createBatches } from '@sevar/datasets';
import { evaluate } from '@sevar/trainer';
import type { BackendName, Metrics } from '@sevar/trainer';
import { setBackend } from '../../backend.js';
import type { Context } from '../../context.js';
import { loadSplit } from '../../data.js';
import type { DatasetName } from '@sevar/datasets';
import { augmentOptions } from '../../engine/recipe.js';
import { readRunSpec, RUN_FILES } from '../../engine/run-files.js';
import type { RunSpec } from '../../engine/run-files.js';
import { CliError, MissingFileError } from '../../errors.js';
import { loadModel } from '../../model-io.js';

export interface EvalCommandOptions {
  /** A directory with `model.json`, or a run directory (with `model/` and `run.json`). */
  path: string;
  dataset?: DatasetName;
  split: 'train' | 'test';
  batchSize: number;
  limit?: number;
  backend: BackendName;
  dataDir?: string;
  download: boolean;
  /** Check the MD5 of the dataset files (default true). */
  verify?: boolean;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The model directory and, when the model came from a sevar run, that run's spec. */
async function locate(path: string): Promise<{ modelDir: string; spec: RunSpec | null }> {
  try {
    await stat(path);
  } catch {
    throw new MissingFileError(path, 'model directory');
  }
  for (const [modelDir, runDir] of [
    [path, join(path, '..')],
    [join(path, RUN_FILES.model), path],
  ] as const) {
    if (await isFile(join(modelDir, 'model.json'))) {
      return { modelDir, spec: await readRunSpec(runDir) };
    }
  }
  throw new MissingFileError(join(path, 'model.json'), 'saved model (model.json)');
}

/** Loss, top-1 and top-5 of a saved model on a dataset split. */
export async function evalCommand(o: EvalCommandOptions, ctx: Context): Promise<Metrics> {
  const { modelDir, spec } = await locate(o.path);
  await setBackend(o.backend, ctx);
  const dataset = o.dataset ?? spec?.recipe.dataset;
  if (dataset === undefined) {
    throw new CliError(
      `--dataset is required: ${modelDir} was not saved by a sevar run (no ${RUN_FILES.spec} beside it)`,
      2,
    );
  }
  // A model saved without checksums.json (older versions) loads, but the user is told.
  const model = await loadModel(modelDir, {
    onWarning: (m) => ctx.stderr.write(`warning: ${m}\n`),
  });
  try {
    const data = await loadSplit(dataset, o.split, {
      limit: o.limit,
      dataDir: o.dataDir,
      download: o.download,
      verify: o.verify,
      progress: ctx.progress,
    });
    const shape = model.inputs[0]!.shape;
    const size = shape[1];
    if (typeof size !== 'number' || shape[2] !== size || shape[3] !== 3) {
      throw new CliError(
        `${modelDir}: expected a model taking square RGB images, input shape is ${JSON.stringify(shape)}`,
      );
    }
    const classes = model.outputs[0]!.shape[1];
    const labelsMax = data.classNames.length;
    if (classes !== labelsMax) {
      throw new CliError(
        `${modelDir}: the model has ${String(classes)} outputs but dataset '${dataset}' has ${labelsMax} classes`,
      );
    }
    // Evaluate the way the run did (e.g. resize 256 + centre crop 224), else resize if needed.
    const test =
      spec !== null
        ? augmentOptions(spec.recipe).test
        : size === data.height
          ? 'none'
          : { kind: 'resize' as const, size };
    const batches = createBatches(data, { batchSize: o.batchSize, shuffle: false, augment: test });
    const m = await evaluate(model, batches);
    ctx.stdout.write(
      `${modelDir} on ${dataset} ${o.split} (${m.examples} images): loss ${m.loss.toFixed(4)}, ` +
        `top-1 ${(m.top1 * 100).toFixed(2)}%, top-5 ${(m.top5 * 100).toFixed(2)}%\n`,
    );
    return m;
  } finally {
    model.dispose();
  }
}
