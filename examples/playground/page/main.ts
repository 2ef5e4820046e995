import './style.css';
import * as tf from '@tensorflow/tfjs-core';
import { labelBackendOptions, selectBackend } from './backends.js';
import { colourScale, createCurves } from './charts.js';
import type { Curves, CurveRow } from './charts.js';
import { buildControls, els, readControls, writeControls } from './controls.js';
import { loadData } from './data.js';
import { drawImage, GateView } from './gate-view.js';
import { ResultsTable } from './results.js';
import { Session } from './session.js';
import type { ModuleRun, Point, RunEnd } from './session.js';
import { parseSettings, settingsQuery } from './settings.js';
import type { Settings } from './settings.js';

interface Live {
  session: Session;
  curves: Curves;
  gates: GateView;
  table: ResultsTable;
  backend: string;
}

let live: Live | null = null;
/** Set while a run is being prepared or trains (controls locked). */
let busy = false;

function setStatus(state: string, text: string, data: Record<string, string> = {}): void {
  els.status.dataset['state'] = state;
  for (const [k, v] of Object.entries(data)) els.status.dataset[k] = v;
  els.status.textContent = text;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function lock(training: boolean): void {
  busy = training;
  els.settings.disabled = training;
  els.start.disabled = training;
  els.stop.disabled = !training;
  els.resume.disabled = training || live === null || live.session.finished;
}

function curveRows(run: ModuleRun, point: Point, metric: 'loss' | 'top1'): CurveRow[] {
  const scale = metric === 'top1' ? 100 : 1;
  const row = (split: 'train' | 'test', v: number): CurveRow => ({
    module: run.name,
    step: point.step,
    split,
    value: v * scale,
  });
  const rows = [row('test', point.test[metric])];
  if (point.train !== null) rows.push(row('train', point.train[metric]));
  return rows;
}

async function onPoint(run: ModuleRun, point: Point): Promise<void> {
  if (live === null) return;
  const { curves, table, gates, session } = live;
  await curves.add(curveRows(run, point, 'loss'), 'loss');
  await curves.add(curveRows(run, point, 'top1'), 'top1');
  table.update(run);
  await gates.refresh(run);
  const total = session.settings.steps;
  setStatus('running', `training: ${run.name} at step ${point.step} of ${total}`);
}

/** Disposes the previous run's models and charts; the tensors left are the baseline. */
function closeLive(): void {
  if (live === null) return;
  live.curves.finalize();
  live.gates.finalize();
  live.session.dispose();
  live = null;
}

async function start(settings: Settings): Promise<void> {
  history.replaceState(null, '', settingsQuery(settings));
  closeLive();
  setStatus('preparing', `setting up ${settings.backend}…`);
  const choice = await selectBackend(settings.backend);
  els.backend.textContent = `Backend: ${choice.described}`;
  setStatus('preparing', 'generating the shapes dataset…');
  const data = await loadData(settings);
  const session = new Session(settings, data);
  const { domain, range } = colourScale(settings.modules);
  const colour = (m: string) => range[domain.indexOf(m)] ?? '#777';
  try {
    live = {
      session,
      curves: await createCurves(els, settings.modules, settings.steps, data.classNames.length),
      gates: new GateView(els.gates, data, session.runs, colour),
      table: new ResultsTable(els.results, session.runs, colour),
      backend: choice.info.name,
    };
  } catch (error) {
    session.dispose();
    throw error;
  }
  live.gates.setImage(showImage(settings.image), false).catch(fail);
  els.status.dataset['backend'] = choice.info.name;
  await continueRun();
}

async function continueRun(): Promise<void> {
  if (live === null) return;
  lock(true);
  let end: RunEnd;
  try {
    end = await live.session.run(onPoint);
  } finally {
    lock(false);
  }
  const steps = live.session.runs.map((r) => `${r.name} ${r.cursor.steps}`).join(', ');
  setStatus(end, `${end === 'done' ? 'done' : 'stopped'}: steps ${steps}`, {
    backend: live.backend,
    tensors: String(tf.memory().numTensors),
  });
}

/** Shows test image `index` beside the gates and in the address; returns the index shown. */
function showImage(index: number): number {
  if (live === null) return index;
  const { data } = live.session;
  const shown = Math.min(Math.max(0, Math.round(index) || 0), data.testSet.count - 1);
  els.image.value = String(shown);
  drawImage(els.canvas, data, shown);
  els.imageClass.textContent = `class: ${data.classNames[data.testSet.labels[shown]!]}`;
  const url = new URL(location.href);
  url.searchParams.set('image', String(shown));
  history.replaceState(null, '', url.search.replaceAll('%2C', ','));
  return shown;
}

function pickImage(index: number): void {
  if (live === null) return;
  live.gates.setImage(showImage(index)).catch(fail);
}

function fail(error: unknown): void {
  console.error(error);
  lock(false);
  setStatus('error', message(error));
}

buildControls();
labelBackendOptions(els.form.elements.namedItem('backend') as HTMLSelectElement).catch(fail);
try {
  writeControls(parseSettings(new URLSearchParams(location.search)));
} catch (error) {
  setStatus('error', message(error));
  els.start.disabled = true;
}

els.form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (busy) return;
  let settings: Settings;
  try {
    // Before locking: a disabled fieldset's controls are left out of the form's data.
    settings = readControls();
  } catch (error) {
    fail(error);
    return;
  }
  lock(true);
  start(settings).catch(fail);
});
els.form.addEventListener('input', () => {
  // A corrected setting re-enables Train after an address the page could not use.
  if (!busy && els.status.dataset['state'] === 'error') {
    els.start.disabled = false;
    setStatus('idle', 'idle');
  }
});
els.stop.addEventListener('click', () => {
  live?.session.requestStop();
  els.stop.disabled = true;
  setStatus('stopping', 'stopping after the current step…');
});
els.resume.addEventListener('click', () => {
  continueRun().catch(fail);
});
els.image.addEventListener('change', () => pickImage(Number(els.image.value)));
els.prevImage.addEventListener('click', () => pickImage(Number(els.image.value) - 1));
els.nextImage.addEventListener('click', () => pickImage(Number(els.image.value) + 1));
