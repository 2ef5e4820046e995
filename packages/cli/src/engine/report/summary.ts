import { ATTENTION_NONE, getAttention, isAttentionKey, VARIANTS } from '@sevar/layers';
import type { AttentionName } from '@sevar/layers';
import type { PaperRow, PaperTable } from '../../paper.js';
import type { RunResult } from '../run-files.js';

export interface Stat {
  mean: number;
  /** Sample standard deviation over seeds (0 with one seed). */
  std: number;
  n: number;
}

/** One row of the comparison: an attention choice over all its seeds. */
export interface SummaryRow {
  attention: AttentionName;
  paperName: string;
  trainableParams: number;
  macsPerImage: number;
  /** Test loss, top-1 and top-5 (fractions 0..1). */
  loss: Stat;
  top1: Stat;
  top5: Stat;
  trainImagesPerSecond: number;
  evalImagesPerSecond: number;
  seeds: number[];
  paper: PaperRow | null;
}

export function stat(values: readonly number[]): Stat {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(n, 1);
  const v = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(v), n };
}

export function paperNameOf(attention: AttentionName): string {
  if (attention === ATTENTION_NONE) return 'No attention (default)';
  const variant = VARIANTS.find((v) => v.name === attention);
  if (variant) return variant.paperName;
  return isAttentionKey(attention) ? getAttention(attention).title : attention;
}

/** Groups finished runs by attention, in the order of `attentions`. */
export function summarize(
  attentions: readonly AttentionName[],
  runs: readonly RunResult[],
  paper: PaperTable | null,
): SummaryRow[] {
  return attentions.flatMap((attention) => {
    const rs = runs.filter((r) => r.attention === attention);
    if (rs.length === 0) return [];
    const first = rs[0]!;
    return [
      {
        attention,
        paperName: paperNameOf(attention),
        trainableParams: first.trainableParams,
        macsPerImage: first.macsPerImage,
        loss: stat(rs.map((r) => r.test.loss)),
        top1: stat(rs.map((r) => r.test.top1)),
        top5: stat(rs.map((r) => r.test.top5)),
        trainImagesPerSecond: stat(rs.map((r) => r.trainImagesPerSecond)).mean,
        evalImagesPerSecond: stat(rs.map((r) => r.evalImagesPerSecond)).mean,
        seeds: rs.map((r) => r.seed),
        paper: (paper?.rows as Partial<Record<string, PaperRow>> | undefined)?.[attention] ?? null,
      },
    ];
  });
}
