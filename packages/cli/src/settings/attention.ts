// The attention choice on the command line: `--attention` (one name, or a list for the commands
// that compare), parsed here into `AttentionName`s that go down typed to the layer: 'none' or any
// key of @sevar/layers' registry (the paper's five, the zoo, modules users register). `--variant`
// and `--variants`, its earlier spellings, stay as hidden aliases.
import { Option } from 'commander';
import type { Command } from 'commander';
import { ATTENTION_NAMES, ATTENTION_NONE, attentionNames, isAttentionName } from '@sevar/layers';
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
      `attention module: none, a paper variant (${ATTENTION_NAMES.slice(1).join(', ')}) or any key \`sevar variants\` lists (default: ${fallback})`,
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
    throw new UsageError(flag, `one of ${attentionNames().join(', ')}`, value);
  }
  return value;
}

/** The list keywords: the paper's rows, or every registered module. */
export const ATTENTION_LIST_KEYWORDS = {
  all: "the paper's five and none",
  zoo: 'every registered module and none',
} as const;

function listExpected(): string {
  return `'all', 'zoo' or a comma list of ${attentionNames().join(', ')}`;
}

/**
 * `all` (the paper's five), `zoo` (every registered module) or a comma list of attention names.
 * `none` is always included: it is the baseline every module is compared with. The result is in
 * registry order (the paper's five first, in the paper's order).
 */
export function parseAttentionList(value: string, flag = '--attention'): AttentionName[] {
  const keyword = value.trim();
  if (keyword === 'all') return [...ATTENTION_NAMES];
  if (keyword === 'zoo') return attentionNames();
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new UsageError(flag, listExpected(), value);
  for (const n of names) {
    if (!isAttentionName(n)) throw new UsageError(flag, listExpected(), n);
  }
  return attentionNames().filter((a) => a === ATTENTION_NONE || names.includes(a));
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
