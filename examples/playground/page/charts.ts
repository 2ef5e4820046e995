// Charts drawn with Vega-Lite through vega-embed (SVG, so a reader can inspect them and export
// them from the "…" menu). Each chart is embedded once per run; new points are inserted into
// its named data set, so Vega redraws without recompiling the spec.
import embed from 'vega-embed';
import type { EmbedOptions, Result, VisualizationSpec } from 'vega-embed';
import { changeset, Error as LOG_ERRORS_ONLY, scheme } from 'vega';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * One colour per module, the same in every chart and the table: Tableau's ten, then the light
 * halves of its twenty (so that the first ten modules are never told apart by shade alone).
 */
export const PALETTE: readonly string[] = [
  ...(scheme('tableau10') as string[]),
  ...(scheme('tableau20') as string[]).filter((_, i) => i % 2 === 1),
];

const EMBED: EmbedOptions = {
  renderer: 'svg',
  actions: { export: true, source: false, compiled: false, editor: false },
  // Not Vega's warnings about scales of data sets still empty before the first point.
  logLevel: LOG_ERRORS_ONLY,
};

/** `modules`' colours, in the order the page lists them. */
export function colourScale(modules: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...modules], range: modules.map((_, i) => PALETTE[i % PALETTE.length]!) };
}

/** A row of the curves' data: one metric of one module at one step. */
export interface CurveRow {
  module: string;
  step: number;
  split: 'train' | 'test';
  value: number;
}

interface CurveOptions {
  title: string;
  description: string;
  modules: readonly string[];
  /** Steps of the run: the x axis spans the whole run from the start. */
  steps: number;
  /** Accuracy by guessing (a dotted line), or null. */
  chance: number | null;
  /** Fixed y range, or null to fit the data. */
  domain: [number, number] | null;
}

// Under the chart (the chart keeps the page's width on a phone), as line samples.
const LEGEND = { orient: 'bottom', direction: 'horizontal', symbolType: 'stroke', symbolSize: 300 };

function curveSpec(o: CurveOptions): VisualizationSpec {
  const { title, modules, chance } = o;
  const line = {
    mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.6 },
    encoding: {
      x: {
        field: 'step',
        type: 'quantitative',
        title: 'training step',
        scale: { domain: [0, o.steps] },
        axis: { tickMinStep: 1 },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title,
        scale: o.domain === null ? { zero: false } : { domain: o.domain },
      },
      color: {
        field: 'module',
        type: 'nominal',
        title: null,
        scale: colourScale(modules),
        legend: LEGEND,
      },
      strokeDash: {
        field: 'split',
        type: 'nominal',
        title: null,
        // Said in words above the charts (solid: test, dashed: train).
        legend: null,
        scale: {
          domain: ['test', 'train'],
          range: [
            [1, 0],
            [4, 3],
          ],
        },
      },
      tooltip: [
        { field: 'module' },
        { field: 'split' },
        { field: 'step', type: 'quantitative' },
        { field: 'value', type: 'quantitative', title, format: '.3f' },
      ],
    },
  };
  const rule = {
    data: { values: [{ chance }] },
    mark: { type: 'rule', color: '#777', strokeDash: [2, 2] },
    encoding: { y: { field: 'chance', type: 'quantitative' } },
  };
  return {
    $schema: SCHEMA,
    description: o.description,
    width: 'container',
    height: 220,
    autosize: { type: 'fit-x', contains: 'padding' },
    data: { name: 'rows' },
    layer: chance === null ? [line] : [line, rule],
  } as VisualizationSpec;
}

export interface Curves {
  add(rows: CurveRow[], metric: 'loss' | 'top1'): Promise<void>;
  finalize(): void;
}

/** Loss and top-1 charts of every module, into `loss` and `top1` (emptied first). */
export async function createCurves(
  into: { loss: HTMLElement; top1: HTMLElement },
  modules: readonly string[],
  steps: number,
  classes: number,
): Promise<Curves> {
  const lossSpec = curveSpec({
    title: 'loss',
    description: 'Train and test loss of each module by training step',
    modules,
    steps,
    chance: null,
    domain: null,
  });
  const top1Spec = curveSpec({
    title: 'top-1 (%)',
    description: 'Train and test top-1 of each module by training step; dotted: chance',
    modules,
    steps,
    chance: 100 / classes,
    domain: [0, 100],
  });
  const views: Record<'loss' | 'top1', Result> = {
    loss: await embed(into.loss, lossSpec, EMBED),
    top1: await embed(into.top1, top1Spec, EMBED),
  };
  return {
    async add(rows, metric) {
      await views[metric].view.insert('rows', rows).runAsync();
    },
    finalize() {
      views.loss.finalize();
      views.top1.finalize();
    },
  };
}

/** Bar chart of a channel gate: one bar per channel, the axis fixed to [0, 1]. */
export function channelSpec(module: string, colour: string): VisualizationSpec {
  return {
    $schema: SCHEMA,
    description: `Channel gate of ${module}: one bar per channel, from 0 (channel off) to 1`,
    width: 'container',
    height: 110,
    autosize: { type: 'fit-x', contains: 'padding' },
    data: { name: 'rows' },
    mark: { type: 'bar', color: colour },
    encoding: {
      x: {
        field: 'channel',
        type: 'ordinal',
        title: 'channel',
        axis: {
          labelExpr: 'datum.value % 8 === 0 ? datum.label : ""',
          labelAngle: 0,
          ticks: false,
        },
      },
      y: { field: 'value', type: 'quantitative', title: 'gate', scale: { domain: [0, 1] } },
      tooltip: [
        { field: 'channel', type: 'ordinal' },
        { field: 'value', type: 'quantitative', format: '.3f' },
      ],
    },
  } as VisualizationSpec;
}

/** Heat map of a spatial map: one cell per position, colours fixed to [0, 1]. */
export function spatialSpec(module: string): VisualizationSpec {
  return {
    $schema: SCHEMA,
    description: `Spatial map of ${module}: one cell per position, from 0 to 1`,
    width: 120,
    height: 120,
    data: { name: 'rows' },
    mark: 'rect',
    encoding: {
      x: { field: 'col', type: 'ordinal', axis: null },
      y: { field: 'row', type: 'ordinal', axis: null },
      color: {
        field: 'value',
        type: 'quantitative',
        title: 'map',
        scale: { domain: [0, 1], scheme: 'viridis' },
        legend: { gradientLength: 100 },
      },
      tooltip: [
        { field: 'row', type: 'ordinal' },
        { field: 'col', type: 'ordinal' },
        { field: 'value', type: 'quantitative', format: '.3f' },
      ],
    },
  } as VisualizationSpec;
}

/** A chart whose whole data set is replaced on each update. */
export interface Replaceable {
  replace(rows: object[]): Promise<void>;
  finalize(): void;
}

export async function embedReplaceable(
  el: HTMLElement,
  spec: VisualizationSpec,
): Promise<Replaceable> {
  const { view, finalize } = await embed(el, spec, EMBED);
  return {
    async replace(rows) {
      // One changeset: a second `view.insert` in the same pulse would replace the removal.
      await view
        .change(
          'rows',
          changeset()
            .remove(() => true)
            .insert(rows),
        )
        .runAsync();
    },
    finalize,
  };
}
