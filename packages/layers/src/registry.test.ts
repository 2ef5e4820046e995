import { existsSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { UnknownVariantError } from './errors.js';
import {
  ATTENTION_NAMES,
  attentionKeys,
  getVariant,
  isAttentionName,
  isVariantName,
  parseAttentionName,
  VARIANT_NAMES,
  VARIANTS,
} from './registry.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
// Table rows as trimmed cells, whatever padding a formatter gave them.
const readmeRows = readme
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

describe('registry', () => {
  it('holds the five variants of the paper in its order', () => {
    expect(VARIANT_NAMES).toEqual([
      'se',
      'slow-squeeze',
      'slow-excite',
      'slow-squeeze-slow-excite',
      'bump',
    ]);
    expect(VARIANTS.map((v) => v.name)).toEqual(VARIANT_NAMES);
    expect(isVariantName('se')).toBe(true);
    expect(isVariantName('none')).toBe(false);
  });

  // Guard: adding a variant means adding its test file and its README row too.
  it.each(VARIANT_NAMES)(
    '%s has its own test file, a README row, and a unique class name',
    (name) => {
      expect(existsSync(new URL(`./variants/${name}.test.ts`, import.meta.url))).toBe(true);
      const def = getVariant(name);
      const row = readmeRows.find((cells) => cells[0] === `\`${name}\``);
      expect(row, `README row for ${name}`).toBeDefined();
      const params = def.create().parameterCount(64).toLocaleString('en-US');
      expect(row).toEqual([`\`${name}\``, def.paperName, def.widths, params]);
      const classNames = VARIANT_NAMES.map(
        (n) => (getVariant(n).layerClass as unknown as { className: string }).className,
      );
      expect(new Set(classNames).size).toBe(classNames.length);
      expect((def.layerClass as unknown as { className: string }).className).toMatch(/^Sevar/);
    },
  );
});

describe('attention names', () => {
  it("are 'none' then the registry keys", () => {
    expect(ATTENTION_NAMES).toEqual(['none', ...VARIANTS.map((v) => v.name)]);
    expect(isAttentionName('none')).toBe(true);
    expect(isAttentionName('bump')).toBe(true);
    expect(isAttentionName('None')).toBe(false);
    expect(isAttentionName(null)).toBe(false);
    expect(parseAttentionName('none')).toBe('none');
    expect(parseAttentionName('slow-excite')).toBe('slow-excite');
  });

  it('parse rejects anything else, listing every valid name', () => {
    const error = (() => {
      try {
        parseAttentionName('excite');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UnknownVariantError);
    expect((error as UnknownVariantError).validNames).toEqual(['none', ...attentionKeys()]);
    expect((error as Error).message).toContain('received "excite"');
    expect((error as Error).message).toContain("'none', 'se', 'slow-squeeze'");
  });
});
