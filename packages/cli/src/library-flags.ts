// The sevar libraries speak of their own options ("pass verify: false", "option 'inputShape'");
// a command-line user sets them through flags. Messages that reach the user are mapped here.

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
