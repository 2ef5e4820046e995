import { attentionDefinitions, SqueezeExciteLayer } from '@sevar/layers';
import type { AttentionDefinition } from '@sevar/layers';
import type { Context } from '../../context.js';
import { renderText } from '../../engine/report/table.js';

export interface VariantsOptions {
  channels: number;
  /** Reduction r for the modules that take one; `undefined` keeps each module's default. */
  reduction: number | undefined;
  json: boolean;
}

export interface VariantRow {
  /** Registry key. */
  name: string;
  /** The module's name (the paper's name for the paper's five). */
  paperName: string;
  citation: string;
  kind: string;
  /** True for the paper's five. */
  paper: boolean;
  /** FC widths in the SPEC's notation (the SE family), else what the module computes. */
  widths: string;
  /** FC widths for `channels` input channels (the SE family only). */
  fcWidths: number[] | null;
  /** Trainable parameters the module adds for that many channels. */
  params: number;
}

function rowOf(def: AttentionDefinition, o: VariantsOptions): VariantRow {
  const takesReduction = def.layerClass.optionNames.includes('reduction');
  const options = takesReduction && o.reduction !== undefined ? { reduction: o.reduction } : {};
  const layer = def.create(options);
  const widths = (def as AttentionDefinition & { widths?: string }).widths;
  return {
    name: def.key,
    paperName: (def as AttentionDefinition & { paperName?: string }).paperName ?? def.title,
    citation: def.citation,
    kind: def.kind,
    paper: def.paper,
    widths: widths ?? def.computes,
    fcWidths: layer instanceof SqueezeExciteLayer ? layer.fcWidths(o.channels) : null,
    params: layer.parameterCount(o.channels),
  };
}

/**
 * Every registered attention module (the paper's five, the zoo, modules registered in this
 * process): key, name, kind, and its parameters for C channels.
 */
export function variantsCommand(o: VariantsOptions, ctx: Context): VariantRow[] {
  const rows = attentionDefinitions().map((d) => rowOf(d, o));
  if (o.json) {
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return rows;
  }
  const r = o.reduction === undefined ? 'default r' : `r=${o.reduction}`;
  ctx.stdout.write(
    renderText({
      head: ['key', 'module', 'kind', `widths at C=${o.channels}, ${r}`, 'params'],
      numeric: [false, false, false, false, true],
      rows: rows.map((row) => [
        row.name,
        row.paperName,
        row.kind,
        row.fcWidths ? row.fcWidths.join(' → ') : '',
        String(row.params),
      ]),
    }),
  );
  ctx.stdout.write(
    "\nSE family: m = max(1, floor(C/r)), h = max(1, floor(C/floor(r/2))). Use a key (or none) with --attention; --attention all = the paper's five, zoo = every module.\n",
  );
  return rows;
}
