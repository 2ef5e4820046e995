import type { AttentionName } from '@sevar/layers';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { PAPER_TABLES } from '../../paper.js';
import type { RunResult } from '../run-files.js';
import { finalAccuracySpec, renderSvg } from './plots.js';
import { stat, summarize } from './summary.js';
import { comparisonTable, renderMarkdown, renderText } from './table.js';

function run(attention: AttentionName, seed: number, top1: number, loss: number): RunResult {
  const test = { loss, top1, top5: 1, examples: 100 };
  return {
    attention,
    seed,
    trainableParams: attention === 'none' ? 122_570 : 123_150,
    macsPerImage: 1,
    history: [{ epoch: 1, lr: 1, train: test, test, seconds: 1, imagesPerSecond: 10 }],
    test,
    trainImagesPerSecond: 10 * seed,
    evalImagesPerSecond: 100,
    backend: 'cpu',
    finishedAt: '',
  };
}

describe('summary over seeds', () => {
  it('stat is the mean and the sample standard deviation', () => {
    const s = stat([0.5, 0.7]);
    expect(s.n).toBe(2);
    expect(s.mean).toBeCloseTo(0.6, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(stat([0.3])).toEqual({ mean: 0.3, std: 0, n: 1 });
  });

  it('groups runs by attention in the given order, with the paper row beside', () => {
    const runs = [
      run('se', 1, 0.5, 1),
      run('none', 1, 0.4, 2),
      run('se', 2, 0.7, 3),
      run('none', 2, 0.4, 4),
    ];
    const rows = summarize(['none', 'se'], runs, PAPER_TABLES['cnn3-cifar10']);
    expect(
      rows.map((r) => [r.attention, r.seeds, r.top1.mean, r.loss.mean, r.trainImagesPerSecond]),
    ).toEqual([
      ['none', [1, 2], 0.4, 3, 15],
      ['se', [1, 2], 0.6, 2, 15],
    ]);
    expect(rows[1]!.paper).toEqual({ loss: 0.8068, top1: 72.58 });
    const table = comparisonTable(rows, true);
    // 0.6 ± sqrt(0.02) = 60.00 ± 14.14 %.
    expect(table.rows[1]).toEqual([
      'se',
      '2.0000 ± 1.4142',
      '60.00 ± 14.14',
      '100.00 ± 0.00',
      '123,150',
      '15.0',
      '100',
      '0.8068',
      '72.58',
      '–',
    ]);
    expect(renderMarkdown(table).split('\n')[2]).toBe(
      '| none | 3.0000 ± 1.4142 | 40.00 ± 0.00 | 100.00 ± 0.00 | 122,570 | 15.0 | 100 | 0.8091 | 72.52 | – |',
    );
    const text = renderText(table).split('\n');
    expect(new Set(text.slice(0, 4).map((l) => l.length)).size).toBe(1); // aligned columns
  });

  it('the final-accuracy plot draws one whisker per attention spanning mean ± std', async () => {
    const runs = [run('none', 1, 0.4, 1), run('none', 2, 0.6, 1)];
    const rows = summarize(['none'], runs, null);
    const spec = finalAccuracySpec(rows, runs) as {
      layer: { data: { values: Record<string, number>[] } }[];
    };
    const whisker = spec.layer[1]!.data.values[0]!;
    const sd = Math.sqrt(0.02) * 100;
    expect(whisker['lo']).toBeCloseTo(50 - sd, 10);
    expect(whisker['hi']).toBeCloseTo(50 + sd, 10);
    const svg = await renderSvg(finalAccuracySpec(rows, runs));
    expect(new Resvg(svg).width).toBeGreaterThan(0);
    expect(svg).toContain('2 seeds');
  });
});
