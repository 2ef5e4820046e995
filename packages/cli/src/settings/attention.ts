// The attention choice on the command line: `--attention` (one name, or a list for the commands
// that compare), parsed here into `AttentionName`s that go down typed to the layer. `--variant`
// and `--variants`, its earlier spellings, stay as hidden aliases.
import { Option } from 'commander';
import type { Command } from 'commander';
import { ATTENTION_NAMES, ATTENTION_NONE, isAttentionName } from '@sevar/layers';
import type { AttentionName } from '@sevar/layers';
import { UsageError } from '../errors.js';

/** The raw attention flags of a command (commander's option values). */
export interface AttentionFlags {
  attention?: string;
  /** Old spelling of `--attention <name>`. */
  variant?: string;
  /** Old spelling of `--attention <list>`. */
  variants?: string;
}

/** `--attention <name>` (one module: train, bench), `--variant` as its old spelling. */
export function addAttentionFlag(cmd: Command, fallback: AttentionName): Command {
  return cmd
    .option(
      '--attention <name>',
      `attention module: ${ATTENTION_NAMES.join(', ')} (default: ${fallback})`,
    )
    .addOption(new Option('--variant <name>', 'old name of --attention').hideHelp());
}

/** `--attention <list>` (the commands that compare), `--variants` as its old spelling. */
export function addAttentionListFlag(cmd: Command, description: string): Command {
  return cmd
    .option('--attention <list>', `${description} (default: all)`)
    .addOption(new Option('--variants <list>', 'old name of --attention').hideHelp());
}

/** The flag the user gave, new or old spelling, as `[flag, value]`; both at once is an error. */
function given(flags: AttentionFlags, old: 'variant' | 'variants'): [string, string] | null {
  const oldValue = flags[old];
  if (flags.attention !== undefined && oldValue !== undefined) {
    throw new UsageError(`--${old}`, `no --${old} beside --attention (its new name)`, oldValue);
  }
  if (flags.attention !== undefined) return ['--attention', flags.attention];
  return oldValue === undefined ? null : [`--${old}`, oldValue];
}

/** One attention name; `flag` names the flag in the error. */
export function parseAttention(value: string, flag = '--attention'): AttentionName {
  if (!isAttentionName(value)) {
    throw new UsageError(flag, `one of ${ATTENTION_NAMES.join(', ')}`, value);
  }
  return value;
}

/**
 * `all` or a comma list of attention names. `none` is always included: it is the baseline every
 * variant is compared with. The result is in the paper's row order.
 */
export function parseAttentionList(value: string, flag = '--attention'): AttentionName[] {
  if (value.trim() === 'all') return [...ATTENTION_NAMES];
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) {
    throw new UsageError(flag, `'all' or a comma list of ${ATTENTION_NAMES.join(', ')}`, value);
  }
  for (const n of names) {
    if (!isAttentionName(n)) {
      throw new UsageError(flag, `'all' or a comma list of ${ATTENTION_NAMES.join(', ')}`, n);
    }
  }
  return ATTENTION_NAMES.filter((a) => a === ATTENTION_NONE || names.includes(a));
}

/** The attention of `--attention <name>` (or `--variant`), else `fallback`. */
export function attentionFromFlags(flags: AttentionFlags, fallback: AttentionName): AttentionName {
  const flag = given(flags, 'variant');
  return flag === null ? fallback : parseAttention(flag[1], flag[0]);
}

/** The attentions of `--attention <list>` (or `--variants`), all when absent. */
export function attentionListFromFlags(flags: AttentionFlags): AttentionName[] {
  const flag = given(flags, 'variants');
  return flag === null ? [...ATTENTION_NAMES] : parseAttentionList(flag[1], flag[0]);
}
