import type { AttentionName } from '@sevar/layers';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { RunResult } from '../run-files.js';
import type { SummaryRow } from './summary.js';

// Fonts most systems have; resvg takes the first one installed.
const FONT = 'Helvetica, Arial, DejaVu Sans, Liberation Sans, sans-serif';

const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  legend: { labelLimit: 320 },
};

export interface PlotFile {
  name: string;
  title: string;
  svg: string;
  /** Set when PNG rendering worked. */
  png?: string;
}

/** Learning curves: train and test top-1 per epoch, one small panel per attention (mean over seeds). */
export function learningCurvesSpec(
  runs: readonly RunResult[],
  attentions: readonly AttentionName[],
): TopLevelSpec {
  const values = runs.flatMap((r) =>
    r.history.flatMap((h) => [
      {
        attention: r.attention,
        seed: r.seed,
        epoch: h.epoch,
        split: 'train',
        top1: h.train.top1 * 100,
      },
      ...(h.test === null
        ? []
        : [
            {
              attention: r.attention,
              seed: r.seed,
              epoch: h.epoch,
              split: 'test',
              top1: h.test.top1 * 100,
            },
          ]),
    ]),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    title: 'Learning curves (top-1 %, mean over seeds)',
    data: { values },
    facet: { field: 'attention', type: 'nominal', sort: [...attentions], title: null },
    columns: 3,
    spec: {
      width: 200,
      height: 140,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { aggregate: 'mean', field: 'top1', type: 'quantitative', title: 'top-1 %' },
        color: { field: 'split', type: 'nominal', sort: ['train', 'test'] },
      },
    },
  };
}

/** Test top-1 per epoch, every attention on one chart. */
export function testCurvesSpec(
  runs: readonly RunResult[],
  attentions: readonly AttentionName[],
): TopLevelSpec {
  const values = runs.flatMap((r) =>
    r.history
      .filter((h) => h.test !== null)
      .map((h) => ({
        attention: r.attention,
        epoch: h.epoch,
        top1: h.test!.top1 * 100,
        loss: h.test!.loss,
      })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    title: 'Test top-1 % by epoch',
    data: { values },
    width: 420,
    height: 260,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
      y: {
        aggregate: 'mean',
        field: 'top1',
        type: 'quantitative',
        title: 'test top-1 %',
        scale: { zero: false },
      },
      color: { field: 'attention', type: 'nominal', sort: [...attentions] },
    },
  };
}

/** Final test top-1 per attention: bar at the mean, error bar ± one standard deviation, seeds as dots. */
export function finalAccuracySpec(
  rows: readonly SummaryRow[],
  runs: readonly RunResult[],
): TopLevelSpec {
  const means = rows.map((r) => ({
    attention: r.attention,
    mean: r.top1.mean * 100,
    lo: (r.top1.mean - r.top1.std) * 100,
    hi: (r.top1.mean + r.top1.std) * 100,
  }));
  const seeds = runs.map((r) => ({
    attention: r.attention,
    seed: r.seed,
    top1: r.test.top1 * 100,
  }));
  const order = rows.map((r) => r.attention);
  const n = Math.max(...rows.map((r) => r.top1.n), 1);
  const x = {
    field: 'attention',
    type: 'nominal' as const,
    sort: order,
    axis: { labelAngle: -30 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    title: `Final test top-1 % (${n} seed${n > 1 ? 's' : ''}; bars: mean, whiskers: ± 1 std)`,
    width: 60 * Math.max(rows.length, 3),
    height: 260,
    layer: [
      {
        data: { values: means },
        mark: { type: 'bar', color: '#9ecae1' },
        encoding: { x, y: { field: 'mean', type: 'quantitative', title: 'test top-1 %' } },
      },
      {
        data: { values: means },
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        data: { values: seeds },
        mark: { type: 'point', filled: true, color: 'black', size: 25 },
        encoding: { x, y: { field: 'top1', type: 'quantitative' } },
      },
    ],
  };
}

/** Renders a Vega-Lite spec to SVG with Vega's headless renderer (no canvas or browser). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type PngRenderer = (svg: string) => Buffer;

let pngRenderer: Promise<PngRenderer | null> | undefined;

/** resvg's prebuilt binary comes in per-platform optional packages; without one we keep SVG only. */
export function loadPngRenderer(): Promise<PngRenderer | null> {
  pngRenderer ??= import('@resvg/resvg-js')
    .then(
      (m) => (svg: string) =>
        new m.Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } })
          .render()
          .asPng(),
    )
    .catch(() => null);
  return pngRenderer;
}

/** Writes `<name>.svg` (and `<name>.png` where resvg works) into `dir`. */
export async function writePlots(
  dir: string,
  plots: readonly { name: string; title: string; spec: TopLevelSpec }[],
  onWarning: (m: string) => void,
): Promise<PlotFile[]> {
  const png = await loadPngRenderer();
  if (png === null) onWarning('PNG plots skipped: @resvg/resvg-js has no binary for this platform');
  const out: PlotFile[] = [];
  for (const p of plots) {
    const svg = await renderSvg(p.spec);
    await writeFile(join(dir, `${p.name}.svg`), svg);
    const file: PlotFile = { name: p.name, title: p.title, svg: `${p.name}.svg` };
    if (png !== null) {
      await writeFile(join(dir, `${p.name}.png`), png(svg));
      file.png = `${p.name}.png`;
    }
    out.push(file);
  }
  return out;
}
