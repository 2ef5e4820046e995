import { attentionDefinitions, attentionNames } from '@sevar/layers';

/**
 * Every module the page offers: `none`, then every key of the `@sevar/layers` registry (the
 * paper's five first), so a module added to the registry appears here without a change to the page.
 */
export const MODULES: readonly string[] = attentionNames();

/** Modules ticked on a first visit: the baseline, the SE block, the bump, and spatial ones where registered. */
export const DEFAULT_MODULES: readonly string[] = ['none', 'se', 'bump', 'cbam', 'coord'].filter(
  (m) => MODULES.includes(m),
);

/** The module's name in words (its paper's title), for labels. */
export function moduleTitle(module: string): string {
  if (module === 'none') return 'plain cnn3, no attention';
  return attentionDefinitions().find((d) => d.key === module)?.title ?? module;
}
