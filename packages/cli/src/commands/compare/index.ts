import type { Command } from 'commander';
import { ATTENTION_NAMES } from '@sevar/layers';
import type { ModelName } from '@sevar/models';
import type { DatasetName } from '@sevar/datasets';
import { defaultRecipe } from '../../engine/recipe.js';
import { addExperimentFlags, parseExperimentSettings } from '../../settings/experiment.js';
import type { ExperimentFlags } from '../../settings/experiment.js';
import { datasetOption, modelOption } from '../../settings/options.js';
import { addTrainingFlags, parseTrainingSettings } from '../../settings/training.js';
import type { TrainingFlags } from '../../settings/training.js';
import type { CommandHost } from '../command.js';
import { compare } from './compare.js';

export { compare } from './compare.js';
export type { CompareOptions, CompareResults } from './compare.js';

type CompareFlags = TrainingFlags & ExperimentFlags & { model: ModelName; dataset: DatasetName };

const HELP = `
With no flags: cnn3 on the embedded shapes dataset (5,000 train / 1,000 test images), the five
variants and none, ${defaultRecipe('cnn3', 'embedded').epochs} epochs, Adam 3e-3 cosine, batch 32, one seed, wasm backend
(XNNPACK + the @sevar/wasm-kernels gradient kernels), two runs at a time. Offline; about
2 minutes on 2 idle cores, 4-5 minutes on a busy one.
Finished runs in --out are reused and an unfinished one resumes; a larger --epochs extends them;
--fresh deletes sevar's files there and starts over.`;

export function registerCompare(program: Command, host: CommandHost): void {
  const cmd = program
    .command('compare')
    .description(
      'train one model per attention (the variants and none), evaluate, print the table the paper prints and write a results folder',
    )
    .addOption(modelOption())
    .addOption(datasetOption('embedded'));
  addExperimentFlags(
    cmd,
    `'all' (the paper's five: ${ATTENTION_NAMES.slice(1).join(', ')}), 'zoo' (every module \`sevar variants\` lists) or a comma list of keys (none is always added)`,
  ).option('--out <dir>', 'results folder (default: sevar-results/compare-<model>-<dataset>)');
  addTrainingFlags(cmd).addHelpText('after', HELP);
  cmd.action(async (flags: CompareFlags) => {
    const settings = parseTrainingSettings(flags, {
      model: flags.model,
      dataset: flags.dataset,
      defaultOut: `sevar-results/compare-${flags.model}-${flags.dataset}`,
    });
    await compare({ ...settings, ...parseExperimentSettings(flags) }, host.withProgress());
  });
}
