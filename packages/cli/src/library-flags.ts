// The sevar libraries speak of their own options ("pass verify: false", "option 'inputShape'",
// a hint naming `resume: false`); a command-line user sets them through flags. Messages that
// reach the user are mapped here.
import { isSevarError } from '@sevar/core';
import type { HintOption } from '@sevar/core';

/** Library option names and the flag of this command line that sets each. */
export const OPTION_FLAGS: Readonly<Record<string, string>> = {
  inputShape: '--image-size',
  stem: '--stem',
  attention: '--attention',
  numClasses: '--dataset',
  epochs: '--epochs',
  batchSize: '--batch-size',
  lr: '--lr',
  momentum: '--momentum',
  weightDecay: '--weight-decay',
  dataDir: '--data-dir',
  verify: '--no-verify',
  download: '--no-download',
  fresh: '--fresh',
  backend: '--backend',
  workers: '--workers',
};

/** Library advice and what a command-line user does instead. */
const ADVICE: readonly [RegExp, string][] = [
  [/\bpass verify: false\b/gi, 'pass --no-verify'],
  [/\bpass download: true\b/gi, 'leave out --no-download'],
  [/\bpass dataDir\b/gi, 'pass --data-dir'],
  [/\bpass fresh: true\b/gi, 'pass --fresh'],
  [/\bverify: false\b/g, '--no-verify'],
  [/\bdownload: true\b/g, 'leaving out --no-download'],
  [/\bdataDir\b/g, '--data-dir'],
];

function sameCase(found: string, replacement: string): string {
  const upper = found[0] !== undefined && found[0] === found[0].toUpperCase();
  return upper ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement;
}

/**
 * `message` with the library's advice in terms of this command line's flags, and each
 * `option 'name'` of a library error followed by the flag that sets it.
 */
export function cliMessage(message: string): string {
  let out = message;
  for (const [pattern, replacement] of ADVICE) {
    out = out.replace(pattern, (found) => sameCase(found, replacement));
  }
  return out.replace(/\boption '(\w+)'/g, (found, name: string) => {
    const flag = OPTION_FLAGS[name];
    return flag === undefined ? found : `${found} (${flag})`;
  });
}

/** What a command-line user does where a library error's hint names an option to set. */
function adviceFor(hint: HintOption): string | null {
  if (hint.option === 'resume') {
    return hint.value === true
      ? 'Free space and run the same command again to resume from it.'
      : 'Pass --fresh to start the run over (it replaces them).';
  }
  if (hint.option === 'batchSize')
    return `Use a smaller batch size, e.g. --batch-size ${String(hint.value)}.`;
  if (hint.option === 'lr')
    return `Lower the learning rate, e.g. --lr ${String(hint.value)}, or check the data.`;
  const flag = OPTION_FLAGS[hint.option];
  return flag === undefined ? null : `Pass ${flag} ${String(hint.value)}.`;
}

/**
 * The one-line text of `error` for a command-line user: a sevar error's description with its
 * hint option (`hintOption`) given as the flag that sets it, and library advice as flags.
 */
export function cliText(error: unknown): string {
  if (!isSevarError(error)) {
    return cliMessage(((error as Error)?.message ?? String(error)).replace(/\s*\n\s*/g, ' '));
  }
  let text = error.describe();
  const advice = error.hintOption === null ? null : adviceFor(error.hintOption);
  if (advice !== null && error.hint !== undefined && text.endsWith(error.hint)) {
    text = text.slice(0, text.length - error.hint.length) + advice;
  }
  return cliMessage(text);
}
