import * as tf from '@tensorflow/tfjs-core';

import { AttentionLayer } from './attention-base.js';
import {
  ATTENTION_KINDS,
  defineAttention,
  type AttentionDefinition,
  type AttentionDefinitionInput,
} from './attention-definition.js';
import type { SqueezeExciteLayer } from './attention-layer.js';
import { AttentionRegistryError, UnknownVariantError } from './errors.js';
import { checkOptionNames } from './options.js';
import type { AttentionOptions, BumpOptions } from './options.js';
import type { VariantDefinition } from './variant-definition.js';
import { bumpVariant } from './variants/bump.js';
import { seVariant } from './variants/se.js';
import { slowExciteVariant } from './variants/slow-excite.js';
import { slowSqueezeSlowExciteVariant } from './variants/slow-squeeze-slow-excite.js';
import { slowSqueezeVariant } from './variants/slow-squeeze.js';
import { ZOO_DEFINITIONS } from './zoo/index.js';
import type { ZooKey, ZooModules, ZooOptions } from './zoo/types.js';

// The paper's five, one line each, in the paper's order; the zoo's modules are listed in zoo/.
const PAPER_DEFINITIONS = [
  seVariant,
  slowSqueezeVariant,
  slowExciteVariant,
  slowSqueezeSlowExciteVariant,
  bumpVariant,
] as const satisfies readonly VariantDefinition<BumpOptions>[];

/** A key of one of the paper's five. */
export type VariantName = (typeof PAPER_DEFINITIONS)[number]['name'];

/** A registry key: the paper's five, the zoo's modules, or a module registered by the user. */
export type AttentionKey = VariantName | ZooKey | (string & {});

/** The options `createAttention(key, ...)` takes: exact for built-in keys, open for users' own. */
export type AttentionOptionsOf<K extends string> = K extends VariantName
  ? AttentionOptions & BumpOptions
  : K extends ZooKey
    ? ZooOptions<K>
    : Record<string, unknown>;

/** The layer `createAttention(key)` returns: its class for built-in keys, else the base. */
export type AttentionLayerOf<K extends string> = K extends VariantName
  ? SqueezeExciteLayer
  : K extends ZooKey
    ? ZooModules[K][1]
    : AttentionLayer;

/** The attention choice that means no module: the baseline every variant is compared with. */
export const ATTENTION_NONE = 'none';

/** The attention choice of a model: a registry key, or `'none'` for no module. */
export type AttentionName = AttentionKey | typeof ATTENTION_NONE;

const REGISTRY = new Map<string, AttentionDefinition>();
for (const def of [...PAPER_DEFINITIONS, ...ZOO_DEFINITIONS]) {
  REGISTRY.set(def.key, def as unknown as AttentionDefinition);
}

/** The paper's five keys, in the paper's order. */
export const VARIANT_NAMES: readonly VariantName[] = PAPER_DEFINITIONS.map((d) => d.name);

/** Registry key, paper name and FC widths of the paper's five, in the paper's order. */
export const VARIANTS: readonly Pick<VariantDefinition, 'name' | 'paperName' | 'widths'>[] =
  PAPER_DEFINITIONS.map(({ name, paperName, widths }) => ({ name, paperName, widths }));

/** `'none'`, then the paper's five in the paper's order (the rows of the paper's tables). */
export const ATTENTION_NAMES: readonly AttentionName[] = [ATTENTION_NONE, ...VARIANT_NAMES];

/** Every registered key: the paper's five, the zoo's modules, then modules users registered. */
export function attentionKeys(): string[] {
  return [...REGISTRY.keys()];
}

/** Every registered definition, in {@link attentionKeys} order. */
export function attentionDefinitions(): AttentionDefinition[] {
  return [...REGISTRY.values()];
}

/** True when `name` is one of the paper's five keys. */
export function isVariantName(name: unknown): name is VariantName {
  return typeof name === 'string' && (VARIANT_NAMES as readonly string[]).includes(name);
}

/** True when `key` is a registered module key. */
export function isAttentionKey(key: unknown): key is AttentionKey {
  return typeof key === 'string' && REGISTRY.has(key);
}

/** True when `name` is `'none'` or a registered key. */
export function isAttentionName(name: unknown): name is AttentionName {
  return name === ATTENTION_NONE || isAttentionKey(name);
}

/** `'none'` and every registered key: what {@link parseAttentionName} accepts. */
export function attentionNames(): AttentionName[] {
  return [ATTENTION_NONE, ...attentionKeys()];
}

/**
 * `name` as an {@link AttentionName}; anything else throws {@link UnknownVariantError} listing
 * `'none'` and every registered key. Parse once where the choice enters (a flag, a config file).
 */
export function parseAttentionName(name: unknown): AttentionName {
  if (!isAttentionName(name)) throw new UnknownVariantError(name, attentionNames());
  return name;
}

/** The registry entry of `key`; throws {@link UnknownVariantError} listing the valid keys. */
export function getAttention(key: string): AttentionDefinition {
  const def = typeof key === 'string' ? REGISTRY.get(key) : undefined;
  if (!def) throw new UnknownVariantError(key, attentionKeys());
  return def;
}

/** The entry of one of the paper's five; throws {@link UnknownVariantError} listing them. */
export function getVariant(name: string): VariantDefinition<BumpOptions> {
  if (!isVariantName(name)) throw new UnknownVariantError(name, VARIANT_NAMES);
  return PAPER_DEFINITIONS.find((d) => d.name === name) as VariantDefinition<BumpOptions>;
}

/** The registered modules that take option `option`. */
function modulesTaking(option: string): string[] {
  return attentionDefinitions()
    .filter((d) => d.layerClass.optionNames.includes(option))
    .map((d) => d.key);
}

/**
 * Creates the module registered as `key`, e.g. `createAttention('eca')` or
 * `createAttention('slow-excite', { reduction: 8 })`. The layer maps an NHWC tensor to one of
 * the same shape. An option key the module does not take (a typo, or another module's option)
 * throws `UnknownOptionError`; a bad value throws `AttentionConfigError`; both before any weight
 * exists.
 */
export function createAttention<K extends AttentionKey>(
  key: K,
  options?: AttentionOptionsOf<K>,
): AttentionLayerOf<K>;
export function createAttention(key: string, options: object = {}): AttentionLayer {
  const def = getAttention(key);
  if (options !== null && typeof options === 'object') {
    checkOptionNames(def.key, options, def.layerClass.optionNames, modulesTaking);
  }
  return def.create(options);
}

const KEY_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Adds a module to the registry so that `createAttention`, `@sevar/models` and the CLI accept
 * its key. `layerClass` must extend {@link AttentionLayer} and declare `static className`,
 * `static key` (equal to `definition.key`) and `static optionNames`; it is registered for tfjs
 * serialization here, so saved models that contain it load again. Returns the full definition.
 */
export function registerAttention<Options extends object>(
  definition: AttentionDefinitionInput<Options>,
): AttentionDefinition<Options> {
  checkRegistration(definition as AttentionDefinitionInput);
  const def = defineAttention(definition);
  tf.serialization.registerClass(
    definition.layerClass as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
  REGISTRY.set(def.key, def as unknown as AttentionDefinition);
  return def;
}

function checkRegistration(d: AttentionDefinitionInput): void {
  const fail = (what: string, expected: string, received: unknown): never => {
    throw new AttentionRegistryError(String(d?.key), what, expected, received);
  };
  if (d === null || typeof d !== 'object') fail('definition', 'an object', d);
  if (typeof d.key !== 'string' || !KEY_PATTERN.test(d.key)) {
    fail('key', 'lower-case letters, digits and single dashes, e.g. "my-gate"', d.key);
  }
  if (d.key === ATTENTION_NONE || REGISTRY.has(d.key)) {
    fail('key', `a key not yet registered (taken: ${attentionNames().join(', ')})`, d.key);
  }
  const cls = d.layerClass as unknown;
  if (typeof cls !== 'function' || !(cls.prototype instanceof AttentionLayer)) {
    fail('layerClass', 'a class extending AttentionLayer from @sevar/layers', cls);
  }
  if (d.layerClass.key !== d.key) fail('layerClass.key', `'${d.key}'`, d.layerClass.key);
  if (typeof d.layerClass.className !== 'string' || d.layerClass.className === '') {
    fail(
      'layerClass.className',
      'a non-empty string (its tfjs serialization name)',
      d.layerClass.className,
    );
  }
  if (!Array.isArray(d.layerClass.optionNames)) {
    fail('layerClass.optionNames', 'an array of option keys', d.layerClass.optionNames);
  }
  if (!ATTENTION_KINDS.includes(d.kind)) fail('kind', ATTENTION_KINDS.join(' | '), d.kind);
  for (const field of ['title', 'citation', 'computes'] as const) {
    if (typeof d[field] !== 'string') fail(field, 'a string', d[field]);
  }
}
