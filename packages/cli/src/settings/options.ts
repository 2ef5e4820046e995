// Options that several commands declare the same way.
import { Option } from 'commander';
import { MODEL_NAMES } from '@sevar/models';
import { BACKEND_NAMES } from '@sevar/trainer';
import { DATASET_NAMES } from '@sevar/datasets';

export function modelOption(defaultValue = 'cnn3'): Option {
  return new Option('--model <name>', 'model from the zoo')
    .choices(MODEL_NAMES)
    .default(defaultValue);
}

export function datasetOption(defaultValue?: string): Option {
  const o = new Option('--dataset <name>', 'dataset (embedded: built-in shapes, offline)').choices(
    DATASET_NAMES,
  );
  return defaultValue === undefined ? o : o.default(defaultValue);
}

export function backendOption(): Option {
  return new Option('--backend <name>', 'tfjs backend').choices(BACKEND_NAMES).default('auto');
}

export function dataDirOption(description = 'dataset cache'): Option {
  return new Option('--data-dir <dir>', description);
}

export function noVerifyOption(): Option {
  return new Option(
    '--no-verify',
    'use dataset files whose MD5 differs from the official one (a re-packed copy)',
  );
}
