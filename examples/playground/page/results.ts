// The results table: one row per module, updated after every turn.
import type { ModuleRun } from './session.js';

const COLUMNS = [
  ['params', 'trainable parameters'],
  ['steps', 'steps trained'],
  ['train-loss', 'train loss (last turn)'],
  ['test-loss', 'test loss'],
  ['test-top1', 'test top-1'],
  ['best-top1', 'best test top-1'],
  ['images-per-second', 'images/s'],
] as const;

type Column = (typeof COLUMNS)[number][0];

function cells(run: ModuleRun): Record<Column, { value: number; text: string }> {
  const last = run.points.at(-1);
  const best = Math.max(...run.points.map((p) => p.test.top1));
  const percent = (v: number) => ({ value: v, text: `${(100 * v).toFixed(1)}%` });
  const fixed = (v: number) => ({ value: v, text: Number.isFinite(v) ? v.toFixed(4) : '–' });
  const perSecond = run.seconds > 0 ? run.images / run.seconds : NaN;
  return {
    params: { value: run.params, text: run.params.toLocaleString('en') },
    steps: { value: run.cursor.steps, text: String(run.cursor.steps) },
    'train-loss': fixed(last?.train?.loss ?? NaN),
    'test-loss': fixed(last?.test.loss ?? NaN),
    'test-top1': percent(last?.test.top1 ?? NaN),
    'best-top1': percent(best),
    'images-per-second': {
      value: perSecond,
      text: Number.isFinite(perSecond) ? perSecond.toFixed(0) : '–',
    },
  };
}

export class ResultsTable {
  private readonly rows = new Map<ModuleRun, HTMLTableRowElement>();

  constructor(table: HTMLTableElement, runs: readonly ModuleRun[], colours: (m: string) => string) {
    const head = table.createTHead();
    head.replaceChildren();
    const header = head.insertRow();
    for (const text of ['module', ...COLUMNS.map(([, t]) => t)]) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = text;
      header.append(th);
    }
    for (const body of [...table.tBodies]) body.remove();
    const body = table.createTBody();
    for (const run of runs) {
      const row = body.insertRow();
      row.dataset['module'] = run.name;
      const th = document.createElement('th');
      th.scope = 'row';
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colours(run.name);
      swatch.setAttribute('aria-hidden', 'true');
      th.append(swatch, run.name);
      row.append(th);
      for (const [key] of COLUMNS) {
        const td = row.insertCell();
        td.dataset['column'] = key;
      }
      this.rows.set(run, row);
      this.update(run);
    }
  }

  update(run: ModuleRun): void {
    const row = this.rows.get(run);
    if (row === undefined) return;
    const values = cells(run);
    for (const [key] of COLUMNS) {
      const td = row.querySelector<HTMLTableCellElement>(`td[data-column="${key}"]`)!;
      td.dataset['value'] = String(values[key].value);
      td.textContent = values[key].text;
    }
  }
}
