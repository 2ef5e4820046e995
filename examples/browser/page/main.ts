import * as tf from '@tensorflow/tfjs-core';
import { VARIANT_NAMES } from '@sevar/layers';
import type { VariantName } from '@sevar/layers';
import { BACKENDS, selectBackend } from './backends.js';
import type { Backend } from './backends.js';
import { trainBriefly } from './train.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const variantSelect = $<HTMLSelectElement>('variant');
const backendSelect = $<HTMLSelectElement>('backend');
const stepsInput = $<HTMLInputElement>('steps');
const batchInput = $<HTMLInputElement>('batch');
const button = $<HTMLButtonElement>('train');
const status = $<HTMLOutputElement>('status');
const logBox = $<HTMLPreElement>('log');

for (const name of ['none', ...VARIANT_NAMES]) variantSelect.add(new Option(name, name));
variantSelect.value = 'se';

// Settings can come from the address: ?variant=bump&backend=wasm&steps=5&batch=16
const params = new URLSearchParams(location.search);
const fromQuery: [HTMLInputElement | HTMLSelectElement, string][] = [
  [variantSelect, 'variant'],
  [backendSelect, 'backend'],
  [stepsInput, 'steps'],
  [batchInput, 'batch'],
];
for (const [el, key] of fromQuery) {
  const value = params.get(key);
  if (value !== null) el.value = value;
}

function log(line: string): void {
  logBox.textContent += `${line}\n`;
}

function setStatus(state: string, text: string, data: Record<string, string> = {}): void {
  status.dataset['state'] = state;
  for (const [k, v] of Object.entries(data)) status.dataset[k] = v;
  status.textContent = text;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});

async function run(): Promise<void> {
  button.disabled = true;
  logBox.textContent = '';
  const backend = backendSelect.value as Backend;
  const variant = variantSelect.value === 'none' ? null : (variantSelect.value as VariantName);
  const steps = Number(stepsInput.value);
  const batchSize = Number(batchInput.value);
  try {
    if (!BACKENDS.includes(backend)) throw new Error(`unknown backend '${backend}'`);
    setStatus('running', `starting ${backend}…`);
    const described = await selectBackend(backend);
    log(`backend: ${described}; cnn3 with attention ${variant ?? 'none'}`);
    const tensorsBefore = tf.memory().numTensors;
    const r = await trainBriefly({ variant, steps, batchSize, log });
    const leaked = tf.memory().numTensors - tensorsBefore;
    log(
      `${r.params} params, ${r.stepsPerSecond.toFixed(2)} steps/s, test top-1 ${(100 * r.accuracy).toFixed(1)}%`,
    );
    setStatus('done', `done: loss ${r.loss.toFixed(4)}, top-1 ${(100 * r.accuracy).toFixed(1)}%`, {
      backend: tf.getBackend(),
      loss: String(r.loss),
      accuracy: String(r.accuracy),
      leaked: String(leaked),
    });
  } catch (error) {
    console.error(error);
    setStatus('error', error instanceof Error ? error.message : String(error));
  } finally {
    button.disabled = false;
  }
}
