import { createAttention, VARIANTS } from '@sevar/layers';
import type { Context } from '../../context.js';
import { renderText } from '../../engine/report/table.js';

export interface VariantsOptions {
  channels: number;
  reduction: number;
  json: boolean;
}

export interface VariantRow {
  name: string;
  paperName: string;
  widths: string;
  /** FC widths for `channels` input channels at `reduction`. */
  fcWidths: number[];
  /** Weights and biases of the FCs for that many channels. */
  params: number;
}

/** The registry: key, paper name, FC widths, and the concrete widths/params for C channels. */
export function variantsCommand(o: VariantsOptions, ctx: Context): VariantRow[] {
  const rows = VARIANTS.map((v) => {
    const layer = createAttention(v.name, { reduction: o.reduction });
    const fc = layer.fcWidths(o.channels);
    let params = 0;
    for (let i = 0; i + 1 < fc.length; i++) params += fc[i]! * fc[i + 1]! + fc[i + 1]!;
    return { name: v.name, paperName: v.paperName, widths: v.widths, fcWidths: fc, params };
  });
  if (o.json) {
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return rows;
  }
  const head = [
    'variant',
    'paper name',
    'FC widths',
    `C=${o.channels}, r=${o.reduction}`,
    'params',
  ];
  ctx.stdout.write(
    renderText({
      head,
      numeric: [false, false, false, false, true],
      rows: rows.map((r) => [
        r.name,
        r.paperName,
        r.widths,
        r.fcWidths.join(' → '),
        String(r.params),
      ]),
    }),
  );
  ctx.stdout.write(
    '\nm = max(1, floor(C/r)), h = max(1, floor(C/floor(r/2))); use a key (or none) with --attention\n',
  );
  return rows;
}
