import { ATTENTION_NAMES } from '@sevar/layers';

/**
 * Every module the page offers: `none`, then every key of the `@sevar/layers` registry, so a
 * module added to the registry appears here without a change to the page.
 */
export const MODULES: readonly string[] = ATTENTION_NAMES;

/** Modules ticked on a first visit: the baseline, the SE block, the bump, and spatial ones where registered. */
export const DEFAULT_MODULES: readonly string[] = ['none', 'se', 'bump', 'cbam', 'coord'].filter(
  (m) => MODULES.includes(m),
);
