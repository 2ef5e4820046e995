// The functional-model JSON that `withAttention` rewrites (tfjs's `model.toJSON()` format, as
// Keras writes it) and the choice of the layers a module goes after.
import type * as tfl from '@tensorflow/tfjs-layers';
import { closestName } from '@sevar/core';

import { UnknownLayerError, UnsupportedGraphError } from './errors.js';

/** `[layer name, node index, tensor index, kwargs]` */
export type InboundRef = [string, number, number, Record<string, unknown>];

export interface LayerEntry {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: InboundRef[][];
}

export interface ModelJson {
  class_name: string;
  config: {
    name: string;
    layers: LayerEntry[];
    input_layers: [string, number, number][];
    output_layers: [string, number, number][];
  };
  [key: string]: unknown;
}

/** Presets of `after`: where a module goes in a model the package never saw. */
export type AttentionSitePreset = 'conv-blocks' | 'residual-branches';
export const ATTENTION_SITE_PRESETS: readonly AttentionSitePreset[] = [
  'conv-blocks',
  'residual-branches',
];

/** Which layers get a module after them: a predicate, layer names or a preset. */
export type AttentionSiteSelector =
  ((layer: tfl.layers.Layer) => boolean) | readonly string[] | AttentionSitePreset;

/**
 * One insertion: after layer `layer`; `consumer` set means only that layer's input is rerouted
 * through the module (a residual branch into its addition), else every consumer and output.
 */
export interface Site {
  layer: string;
  consumer?: string;
}

const CONV_CLASSES = ['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D'];
// Single-input, shape-keeping layers that close a conv block (conv → BN → activation).
const BLOCK_TAIL_CLASSES = [
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'PReLU',
  'ELU',
  'ThresholdedReLU',
  'SevarHardSwish',
];
const MODEL_CLASSES = ['Model', 'Sequential', 'Functional'];

/** Layer name → names of the layers that take its output (in this model). */
function consumersOf(json: ModelJson): Map<string, string[]> {
  const out = new Map<string, string[]>(json.config.layers.map((l) => [l.name, []]));
  for (const l of json.config.layers) {
    for (const node of l.inbound_nodes) for (const [src] of node) out.get(src)?.push(l.name);
  }
  return out;
}

/** After each conv, through its BN and activation: the last layer of the block. */
function convBlockSites(json: ModelJson): Site[] {
  const byName = new Map(json.config.layers.map((l) => [l.name, l]));
  const consumers = consumersOf(json);
  const outputs = new Set(json.config.output_layers.map(([n]) => n));
  const sites: Site[] = [];
  for (const l of json.config.layers) {
    if (!CONV_CLASSES.includes(l.class_name)) continue;
    let end = l.name;
    for (;;) {
      const next = consumers.get(end) ?? [];
      const tail = next.length === 1 ? byName.get(next[0]!) : undefined;
      if (outputs.has(end) || !tail || !BLOCK_TAIL_CLASSES.includes(tail.class_name)) break;
      end = tail.name;
    }
    sites.push({ layer: end });
  }
  return sites;
}

/** Longest path (in layers) from an input to each layer. */
function depths(json: ModelJson): Map<string, number> {
  const depth = new Map<string, number>();
  // toJSON lists layers in topological order.
  for (const l of json.config.layers) {
    const inputs = l.inbound_nodes.flat().map(([src]) => depth.get(src) ?? 0);
    depth.set(l.name, inputs.length === 0 ? 0 : Math.max(...inputs) + 1);
  }
  return depth;
}

/** The deeper input of every addition: the residual branch, not the shortcut. */
function residualSites(json: ModelJson): Site[] {
  const depth = depths(json);
  const sites: Site[] = [];
  for (const l of json.config.layers) {
    if (l.class_name !== 'Add' || l.inbound_nodes.length !== 1) continue;
    const inputs = l.inbound_nodes[0]!.map(([src]) => src);
    const ranked = [...inputs].sort((a, b) => depth.get(b)! - depth.get(a)!);
    if (ranked.length >= 2 && depth.get(ranked[0]!) !== depth.get(ranked[1]!)) {
      sites.push({ layer: ranked[0]!, consumer: l.name });
    }
  }
  return sites;
}

/** The sites `after` selects in `model` (whose JSON is `json`); typed errors for bad names. */
export function selectSites(
  model: tfl.LayersModel,
  json: ModelJson,
  after: AttentionSiteSelector,
): Site[] {
  const names = json.config.layers.map((l) => l.name);
  let sites: Site[];
  if (after === 'conv-blocks') sites = convBlockSites(json);
  else if (after === 'residual-branches') sites = residualSites(json);
  else if (typeof after === 'function') {
    sites = model.layers.filter((l) => after(l)).map((l) => ({ layer: l.name }));
  } else if (Array.isArray(after) && after.every((n) => typeof n === 'string')) {
    for (const n of after) {
      if (!names.includes(n)) throw new UnknownLayerError(model.name, n, closestName(n, names));
    }
    sites = [...new Set(after)].map((layer) => ({ layer }));
  } else {
    throw new UnsupportedGraphError(
      model.name,
      `'after': a predicate, a list of layer names, or one of 'conv-blocks', 'residual-branches'`,
      after,
    );
  }
  if (sites.length === 0) {
    throw new UnsupportedGraphError(
      model.name,
      `'after' to select at least one layer`,
      typeof after === 'string' ? after : 'no layer',
      undefined,
      typeof after === 'string' ? `The model has no layer that '${after}' selects.` : undefined,
    );
  }
  return sites;
}

/** Throws for a site the rewrite cannot handle: a nested model, a layer used twice. */
export function checkSiteLayer(json: ModelJson, site: Site): void {
  const entry = json.config.layers.find((l) => l.name === site.layer)!;
  if (MODEL_CLASSES.includes(entry.class_name)) {
    throw new UnsupportedGraphError(
      json.config.name,
      'a layer, not a nested model',
      entry.class_name,
      site.layer,
      'Choose a layer inside the nested model, after flattening it into one functional model.',
    );
  }
  const uses = json.config.layers.reduce(
    (a, l) =>
      a + l.inbound_nodes.flat().filter(([src, node]) => src === site.layer && node > 0).length,
    0,
  );
  if (entry.inbound_nodes.length > 1 || uses > 0) {
    throw new UnsupportedGraphError(
      json.config.name,
      'a layer applied once (a shared layer has one output per use)',
      `${entry.inbound_nodes.length} applications`,
      site.layer,
    );
  }
}
