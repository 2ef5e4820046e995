import * as tf from '@tensorflow/tfjs-core';
import { ATTENTION_NAMES, parseAttentionName } from '@sevar/layers';
import { BACKENDS, selectBackend } from './backends.js';
import type { Backend } from './backends.js';
import { trainBriefly } from './train.js';
import { describeWebGpu, probeWebGpu } from './webgpu.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const attentionSelect = $<HTMLSelectElement>('attention');
const backendSelect = $<HTMLSelectElement>('backend');
const stepsInput = $<HTMLInputElement>('steps');
const batchInput = $<HTMLInputElement>('batch');
const testInput = $<HTMLInputElement>('test');
const button = $<HTMLButtonElement>('train');
const status = $<HTMLOutputElement>('status');
const logBox = $<HTMLPreElement>('log');

for (const name of ATTENTION_NAMES) attentionSelect.add(new Option(name, name));
attentionSelect.value = 'se';

// Settings can come from the address: ?attention=bump&backend=wasm&steps=5&batch=16&test=100
// (`variant=` is read too, the name earlier versions used).
const params = new URLSearchParams(location.search);
const fromQuery: [HTMLInputElement | HTMLSelectElement, string][] = [
  [attentionSelect, 'variant'],
  [attentionSelect, 'attention'],
  [backendSelect, 'backend'],
  [stepsInput, 'steps'],
  [batchInput, 'batch'],
  [testInput, 'test'],
];
/** Applies the address's settings; a value a control cannot take is an error, not ignored. */
function applyQuery(): void {
  for (const [el, key] of fromQuery) {
    const value = params.get(key);
    if (value === null) continue;
    el.value = value;
    if (el.value === value) continue;
    // A <select> given a value it has no option for silently falls back to ''.
    if (el === attentionSelect) parseAttentionName(value); // throws, listing the valid names
    const valid = el instanceof HTMLSelectElement ? [...el.options].map((o) => o.value) : [];
    const expected = valid.length > 0 ? `one of ${valid.join(', ')}` : `a ${el.type}`;
    throw new Error(`?${key}: expected ${expected}, received ${JSON.stringify(value)}`);
  }
}

function log(line: string): void {
  logBox.textContent += `${line}\n`;
}

function setStatus(state: string, text: string, data: Record<string, string> = {}): void {
  status.dataset['state'] = state;
  for (const [k, v] of Object.entries(data)) status.dataset[k] = v;
  status.textContent = text;
}

// The webgpu option names the browser's adapter, or says why there is none.
const webgpuOption = [...backendSelect.options].find((o) => o.value === 'webgpu')!;
void probeWebGpu().then((gpu) => {
  webgpuOption.textContent = `webgpu (${describeWebGpu(gpu)})`;
  webgpuOption.dataset['available'] = String(gpu.available);
  // webgpu is the default only on a hardware adapter (a software one is slower than wasm).
  if (gpu.available && !gpu.software && !params.has('backend')) backendSelect.value = 'webgpu';
});

try {
  applyQuery();
} catch (error) {
  setStatus('error', error instanceof Error ? error.message : String(error));
  button.disabled = true;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});

async function run(): Promise<void> {
  button.disabled = true;
  logBox.textContent = '';
  const backend = backendSelect.value as Backend;
  const steps = Number(stepsInput.value);
  const batchSize = Number(batchInput.value);
  const testImages = Number(testInput.value);
  try {
    if (!BACKENDS.includes(backend)) throw new Error(`unknown backend '${backend}'`);
    const attention = parseAttentionName(attentionSelect.value);
    setStatus('running', `starting ${backend}…`);
    const described = await selectBackend(backend);
    log(`backend: ${described}; cnn3 with attention ${attention}`);
    const tensorsBefore = tf.memory().numTensors;
    const r = await trainBriefly({ attention, steps, batchSize, testImages, log });
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
