// The settings form: built from the registry and the settings' bounds, filled from and read
// into `Settings` through the same parser as the address.
import { moduleTitle, MODULES } from './modules.js';
import { NUMERIC, parseSettings, type Settings } from './settings.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
};

export const els = {
  form: $<HTMLFormElement>('controls'),
  settings: $<HTMLFieldSetElement>('settings'),
  modules: $<HTMLFieldSetElement>('modules'),
  start: $<HTMLButtonElement>('start'),
  stop: $<HTMLButtonElement>('stop'),
  resume: $<HTMLButtonElement>('resume'),
  status: $<HTMLOutputElement>('status'),
  backend: $<HTMLElement>('backend-line'),
  loss: $<HTMLElement>('chart-loss'),
  top1: $<HTMLElement>('chart-top1'),
  image: $<HTMLInputElement>('image'),
  prevImage: $<HTMLButtonElement>('prev-image'),
  nextImage: $<HTMLButtonElement>('next-image'),
  canvas: $<HTMLCanvasElement>('input-image'),
  imageClass: $<HTMLElement>('image-class'),
  gates: $<HTMLElement>('gate-cards'),
  results: $<HTMLTableElement>('results'),
};

/** One checkbox per module of the registry, and each number input's bounds. */
export function buildControls(): void {
  for (const module of MODULES) {
    const label = document.createElement('label');
    label.className = 'module';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'modules';
    box.value = module;
    label.title = moduleTitle(module);
    label.append(box, ` ${module}`);
    els.modules.append(label);
  }
  for (const [key, { min, max, integer }] of Object.entries(NUMERIC)) {
    const input = key === 'image' ? els.image : els.form.elements.namedItem(key);
    if (!(input instanceof HTMLInputElement)) continue;
    input.min = String(min);
    input.max = String(max);
    input.step = integer ? '1' : 'any';
  }
}

export function writeControls(s: Settings): void {
  for (const box of els.modules.querySelectorAll<HTMLInputElement>('input[name="modules"]')) {
    box.checked = s.modules.includes(box.value);
  }
  const form = els.form.elements;
  for (const key of [
    'backend',
    'steps',
    'batch',
    'lr',
    'every',
    'seed',
    'train',
    'test',
  ] as const) {
    (form.namedItem(key) as HTMLInputElement | HTMLSelectElement).value = String(s[key]);
  }
  els.image.value = String(s.image);
  els.image.max = String(s.test - 1);
}

/** The form's settings; throws `PlaygroundSettingError` naming the first unusable one. */
export function readControls(): Settings {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(els.form)) params.append(key, String(value));
  // No box ticked is an error the parser reports, not "use the defaults".
  if (!params.has('modules')) params.set('modules', '');
  params.set('image', els.image.value);
  return parseSettings(params);
}
