import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type AttentionName, batchNormTrainingFused, fuseBatchNormTraining } from '@sevar/layers';

import { applyAttention, checkAttentionOptions, type ModelAttentionOptions } from './attention.js';
import { AttentionSiteError, ModelConfigError, UnsupportedGraphError } from './errors.js';
import {
  checkSiteLayer,
  selectSites,
  type AttentionSiteSelector,
  type InboundRef,
  type LayerEntry,
  type ModelJson,
  type Site,
} from './rewrite-graph.js';
import { checkAttention, checkReduction } from './validate.js';

/** Options of every inserted module: `reduction` and any other `@sevar/layers` option. */
export type WithAttentionOptions = ModelAttentionOptions & { reduction?: number };

export interface WithAttentionSites {
  /**
   * The layers a module goes after: a predicate over `model.layers`, a list of layer names, or a
   * preset: `'conv-blocks'` (after each convolution's block: the conv and the batch norms and
   * activations that follow it alone) or `'residual-branches'` (on the deeper input of every
   * `add`, before the addition: SE-ResNet's site).
   */
  after: AttentionSiteSelector;
}

const WHO = 'withAttention';

/** A functional model's JSON; a Sequential one is seen through its functional graph. */
function functionalJson(model: tfl.LayersModel): ModelJson {
  if (!(model instanceof tfl.LayersModel)) {
    throw new UnsupportedGraphError(
      String((model as { name?: unknown })?.name),
      'a tfjs LayersModel',
      model,
    );
  }
  const graph =
    model instanceof tfl.Sequential
      ? tfl.model({ inputs: model.inputs, outputs: model.outputs })
      : model;
  const json = graph.toJSON(null, false) as unknown as ModelJson;
  json.config.name = model.name;
  return json;
}

/** The output shape of a site layer, checked to be NHWC with known channels. */
function siteShape(model: tfl.LayersModel, layerName: string): number[] {
  const layer = model.getLayer(layerName);
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) {
    throw new UnsupportedGraphError(
      model.name,
      'a layer with one output',
      `${shape.length} outputs`,
      layerName,
    );
  }
  const s = shape as (number | null)[];
  if (
    s.length !== 4 ||
    typeof s[3] !== 'number' ||
    typeof s[1] !== 'number' ||
    typeof s[2] !== 'number'
  ) {
    throw new AttentionSiteError(model.name, layerName, s);
  }
  return s as number[];
}

/**
 * The JSON entry of the attention layer `name` for an input of `shape`: built once on its own
 * (so an input the module refuses fails here, with the module's own error) and serialized.
 */
function attentionEntry(
  key: string,
  options: WithAttentionOptions,
  name: string,
  shape: number[],
): LayerEntry {
  const { reduction, ...extra } = options;
  const input = tfl.input({ shape: shape.slice(1) });
  const probe = tfl.model({
    inputs: input,
    outputs: applyAttention(input, key as never, name, reduction, extra),
  });
  const json = probe.toJSON(null, false) as unknown as ModelJson;
  probe.dispose();
  return json.config.layers.find((l) => l.name === name)!;
}

function uniqueName(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let i = 2; taken.has(name); i++) name = `${wanted}_${i}`;
  taken.add(name);
  return name;
}

/** Inserts `entry` after `site.layer` and reroutes the site's consumers through it. */
function insert(json: ModelJson, site: Site, entry: LayerEntry): void {
  const layers = json.config.layers;
  const reroute = (ref: InboundRef | [string, number, number]) => {
    if (ref[0] === site.layer && ref[1] === 0 && ref[2] === 0) ref[0] = entry.name;
  };
  for (const l of layers) {
    if (site.consumer !== undefined && l.name !== site.consumer) continue;
    for (const node of l.inbound_nodes) node.forEach(reroute);
  }
  if (site.consumer === undefined) json.config.output_layers.forEach(reroute);
  entry.inbound_nodes = [[[site.layer, 0, 0, {}]]];
  layers.splice(layers.findIndex((l) => l.name === site.layer) + 1, 0, entry);
}

/**
 * A copy of `model` with the `@sevar/layers` module `key` after every layer `sites.after`
 * selects. Works on any functional (or Sequential) tfjs `LayersModel`, built by hand or loaded
 * with `tf.loadLayersModel`: every existing weight is carried over (the new modules start from
 * their initializers) and the result trains, saves and loads like any model. Typed errors for
 * unknown layer names, non-4D outputs and graphs it cannot rewrite (nested models, shared layers,
 * layer classes that are not registered for serialization).
 */
export async function withAttention(
  model: tfl.LayersModel,
  key: AttentionName,
  options: WithAttentionOptions,
  sites: WithAttentionSites,
): Promise<tfl.LayersModel> {
  const module = checkAttention(WHO, key);
  if (module === null)
    throw new ModelConfigError(WHO, 'key', 'an attention module key (not none)', key);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ModelConfigError(WHO, 'options', 'an object of @sevar/layers options', options);
  }
  const { reduction, ...extra } = options;
  checkAttentionOptions(WHO, module, checkReduction(WHO, reduction), extra);
  const json = functionalJson(model);
  const selected = selectSites(model, json, sites?.after);
  const taken = new Set(json.config.layers.map((l) => l.name));
  for (const site of selected) {
    checkSiteLayer(json, site);
    const shape = siteShape(model, site.layer);
    insert(
      json,
      site,
      attentionEntry(module, options, uniqueName(`${site.layer}_attention`, taken), shape),
    );
  }
  json.config.name = `${model.name}_${module}`;
  let rewritten: tfl.LayersModel;
  try {
    rewritten = await tfl.models.modelFromJSON({
      modelTopology: json as unknown as tf.io.ModelJSON['modelTopology'],
    });
  } catch (error) {
    throw new UnsupportedGraphError(
      model.name,
      'layers whose classes are registered for serialization (tf.serialization.registerClass)',
      error instanceof Error ? error.message : error,
      undefined,
      'Import the package that defines each custom layer before calling withAttention.',
    );
  }
  for (const layer of model.layers) {
    const copy = rewritten.getLayer(layer.name);
    if (layer.weights.length > 0) copy.setWeights(layer.getWeights());
    // The rebuilt layers are tfjs-layers' own: a batch norm that trained fused still does.
    if (batchNormTrainingFused(layer)) fuseBatchNormTraining(copy);
  }
  return rewritten;
}
