import { attentionNames } from '@sevar/layers';
import type { AttentionName } from '@sevar/layers';
import { describeModel, hasBuiltInAttention, MODEL_NAMES } from '@sevar/models';
import type { ModelName } from '@sevar/models';
import { setBackend } from '../../backend.js';
import type { Context } from '../../context.js';
import { defaultRecipe, hasStem } from '../../engine/recipe.js';
import type { Recipe } from '../../engine/recipe.js';
import { renderText } from '../../engine/report/table.js';
import { buildModel } from '../../engine/run.js';

export interface ModelsOptions {
  models: ModelName[];
  attentions: AttentionName[];
  classes: number;
  json: boolean;
}

/** The row of a model's own attention (torchvision's SE in MobileNetV3 and EfficientNet). */
export const BUILT_IN_ROW = 'built-in';

export interface ModelRow {
  model: ModelName;
  stem: string | null;
  input: string;
  attention: AttentionName | typeof BUILT_IN_ROW;
  trainableParams: number;
  nonTrainableParams: number;
  macsPerImage: number;
}

function configs(model: ModelName): Recipe[] {
  const base = defaultRecipe(model, 'cifar10', model === 'cnn3' ? 'paper' : 'cifar-standard');
  if (model === 'cnn3') return [base];
  // The mobile networks: 32x32 (CIFAR) and torchvision's 224x224.
  if (!hasStem(model)) return [base, { ...base, imageSize: 224 }];
  // Both stems: 32x32 (CIFAR recipe) and 224x224 (the paper's protocol).
  return [base, { ...base, stem: 'imagenet', imageSize: 224 }];
}

/** Parameters and multiply-accumulates of every zoo model with every attention choice. */
export async function modelsCommand(o: ModelsOptions, ctx: Context): Promise<ModelRow[]> {
  await setBackend('cpu', ctx);
  const rows: ModelRow[] = [];
  for (const name of o.models) {
    for (const recipe of configs(name)) {
      const attentions = hasBuiltInAttention(name) ? [BUILT_IN_ROW, ...o.attentions] : o.attentions;
      for (const attention of attentions) {
        const model = buildModel(
          recipe,
          attention === BUILT_IN_ROW ? undefined : attention,
          1,
          o.classes,
        );
        const d = describeModel(model);
        model.dispose();
        rows.push({
          model: name,
          stem: hasStem(name) ? recipe.stem : null,
          input: `${recipe.imageSize}x${recipe.imageSize}x3`,
          attention,
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
  const head = ['model', 'stem', 'input', 'attention', 'params', 'MACs/image'];
  ctx.stdout.write(
    renderText({
      head,
      numeric: head.map((_, i) => i >= 4),
      rows: rows.map((r) => [
        r.model,
        r.stem ?? '-',
        r.input,
        r.attention,
        r.trainableParams.toLocaleString('en-US'),
        r.macsPerImage.toLocaleString('en-US'),
      ]),
    }),
  );
  ctx.stdout.write(
    `\n${o.classes} classes; params are trainable (BN moving statistics excluded); ` +
      `models: ${MODEL_NAMES.join(', ')}; attentions: ${attentionNames().join(', ')}; ` +
      `${BUILT_IN_ROW}: the model's own SE (torchvision's MobileNetV3 and EfficientNet)\n`,
  );
  return rows;
}
