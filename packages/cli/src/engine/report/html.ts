import type { PlotFile } from './plots.js';
import { renderText } from './table.js';
import type { Table } from './table.js';

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export interface HtmlReport {
  title: string;
  /** Lines describing the settings. */
  settings: string[];
  table: Table;
  notes: string[];
  /** Plot files relative to the report, with their SVG text to inline. */
  plots: { file: PlotFile; dir: string; svgText: string }[];
}

/**
 * One HTML file that stands alone: the table, the settings and the plots inlined as SVG (so it
 * can be mailed or attached), each linked to its SVG/PNG file beside it.
 */
export function renderHtml(r: HtmlReport): string {
  const head = r.table.head.map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = r.table.rows
    .map(
      (row) =>
        `<tr>${row.map((c, i) => `<td${r.table.numeric[i] ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const plots = r.plots
    .map(({ file, dir, svgText }) => {
      const links = [`<a href="${esc(`${dir}/${file.svg}`)}">SVG</a>`];
      if (file.png !== undefined) links.push(`<a href="${esc(`${dir}/${file.png}`)}">PNG</a>`);
      return `<figure>\n${svgText.replace(/^<\?xml[^>]*>\s*/, '')}\n<figcaption>${esc(file.title)} (${links.join(' · ')})</figcaption>\n</figure>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(r.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.7rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 2rem 0; }
figure svg { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: 0.7rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>${esc(r.title)}</h1>
<ul>
${r.settings.map((s) => `<li>${esc(s)}</li>`).join('\n')}
</ul>
<table>
<thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${r.notes.map((n) => `<p>${esc(n)}</p>`).join('\n')}
${plots}
<details><summary>Plain-text table</summary><pre>${esc(renderText(r.table))}</pre></details>
</body>
</html>
`;
}
