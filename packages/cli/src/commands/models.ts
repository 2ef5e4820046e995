import { describeModel, MODEL_NAMES } from '@sevar/models';
import type { ModelName } from '@sevar/models';
import type { Context } from '../context.js';
import { defaultRecipe } from '../recipe.js';
import type { Recipe } from '../recipe.js';
import { renderText } from '../report/table.js';
import { allMethods, buildModel } from '../run.js';
import { setBackend } from '../backend.js';

export interface ModelsOptions {
  models: ModelName[];
  methods: string[];
  classes: number;
  json: boolean;
}

export interface ModelRow {
  model: ModelName;
  stem: string | null;
  input: string;
  method: string;
  trainableParams: number;
  nonTrainableParams: number;
  macsPerImage: number;
}

function configs(model: ModelName): Recipe[] {
  const base = defaultRecipe(model, 'cifar10', model === 'cnn3' ? 'paper' : 'cifar-standard');
  if (model === 'cnn3') return [base];
  // Both stems: 32x32 (CIFAR recipe) and 224x224 (the paper's protocol).
  return [base, { ...base, stem: 'imagenet', imageSize: 224 }];
}

/** Parameters and multiply-accumulates of every zoo model with every attention method. */
export async function modelsCommand(o: ModelsOptions, ctx: Context): Promise<ModelRow[]> {
  await setBackend('cpu', ctx);
  const rows: ModelRow[] = [];
  for (const name of o.models) {
    for (const recipe of configs(name)) {
      for (const method of o.methods) {
        const model = buildModel(recipe, method, 1, o.classes);
        const d = describeModel(model);
        model.dispose();
        rows.push({
          model: name,
          stem: name === 'cnn3' ? null : recipe.stem,
          input: `${recipe.imageSize}x${recipe.imageSize}x3`,
          method,
          trainableParams: d.trainableParams,
          nonTrainableParams: d.nonTrainableParams,
          macsPerImage: d.macsPerImage,
        });
      }
    }
  }
  if (o.json) {
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return rows;
  }
  const head = ['model', 'stem', 'input', 'method', 'params', 'MACs/image'];
  ctx.stdout.write(
    renderText({
      head,
      numeric: head.map((_, i) => i >= 4),
      rows: rows.map((r) => [
        r.model,
        r.stem ?? '-',
        r.input,
        r.method,
        r.trainableParams.toLocaleString('en-US'),
        r.macsPerImage.toLocaleString('en-US'),
      ]),
    }),
  );
  ctx.stdout.write(
    `\n${o.classes} classes; params are trainable (BN moving statistics excluded); ` +
      `models: ${MODEL_NAMES.join(', ')}; methods: ${allMethods().join(', ')}\n`,
  );
  return rows;
}
