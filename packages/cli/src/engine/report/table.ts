import type { Stat, SummaryRow } from './summary.js';

export interface Table {
  head: string[];
  rows: string[][];
  /** Columns aligned right (numbers). */
  numeric: boolean[];
}

function fmt(s: Stat, scale: number, digits: number): string {
  const m = (s.mean * scale).toFixed(digits);
  return s.n > 1 ? `${m} ± ${(s.std * scale).toFixed(digits)}` : m;
}

/** Throughput with enough digits to be non-zero on slow backends. */
export function rate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function paperCell(v: number | undefined, digits: number): string {
  return v === undefined ? '–' : v.toFixed(digits);
}

/** The paper's table shape: attention, loss, top-1, top-5, params, images/s (+ the paper's numbers). */
export function comparisonTable(rows: readonly SummaryRow[], withPaper: boolean): Table {
  const head = ['attention', 'loss', 'top-1 %', 'top-5 %', 'params', 'train img/s', 'eval img/s'];
  if (withPaper) head.push('paper loss', 'paper top-1', 'paper top-5');
  const body = rows.map((r) => {
    const cells = [
      r.attention,
      fmt(r.loss, 1, 4),
      fmt(r.top1, 100, 2),
      fmt(r.top5, 100, 2),
      r.trainableParams.toLocaleString('en-US'),
      rate(r.trainImagesPerSecond),
      rate(r.evalImagesPerSecond),
    ];
    if (withPaper) {
      cells.push(
        paperCell(r.paper?.loss, 4),
        paperCell(r.paper?.top1, 2),
        paperCell(r.paper?.top5, 2),
      );
    }
    return cells;
  });
  return { head, rows: body, numeric: head.map((_, i) => i > 0) };
}

/** Plain text, columns padded, for the terminal. */
export function renderText(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (t.numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)]
    .map((l) => `${l}\n`)
    .join('');
}

/** GitHub-flavoured Markdown table. */
export function renderMarkdown(t: Table): string {
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |\n`;
  const rule = `|${t.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|\n`;
  return row(t.head) + rule + t.rows.map(row).join('');
}
