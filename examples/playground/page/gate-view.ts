// The gate view: a test image beside what each module's gates make of it — a bar per channel,
// a heat map for spatial modules — and the module's prediction, refreshed after every turn.
import * as tf from '@tensorflow/tfjs-core';
import { channelSpec, embedReplaceable, spatialSpec } from './charts.js';
import type { Replaceable } from './charts.js';
import { testImage } from './data.js';
import type { PlaygroundData } from './data.js';
import type { GateMaps } from './gates.js';
import type { ModuleRun } from './session.js';

interface Card {
  run: ModuleRun;
  figure: HTMLElement;
  caption: HTMLElement;
  /** Charts, embedded on first use (a promise, so that overlapping refreshes embed once). */
  channel: Promise<Replaceable> | null;
  spatial: Promise<Replaceable> | null;
  /** Channel gates when the current image was first shown, and the step then. */
  baseline: { values: Float32Array; step: number } | null;
}

function stats(values: Float32Array): { min: number; mean: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { min, mean: sum / values.length, max };
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function chartBox(figure: HTMLElement, kind: 'channel' | 'spatial'): HTMLElement {
  const el = document.createElement('div');
  el.className = `chart ${kind}`;
  figure.append(el);
  return el;
}

/** Draws test image `index` (0–255 HWC pixels) into `canvas`. */
export function drawImage(canvas: HTMLCanvasElement, data: PlaygroundData, index: number): void {
  const { testSet } = data;
  const { height: h, width: w } = testSet;
  const pixels = new ImageData(w, h);
  const from = index * h * w * 3;
  for (let p = 0; p < h * w; p++) {
    pixels.data.set(testSet.images.subarray(from + 3 * p, from + 3 * p + 3), 4 * p);
    pixels.data[4 * p + 3] = 255;
  }
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d')!.putImageData(pixels, 0, 0);
  const label = data.classNames[testSet.labels[index]!] ?? '?';
  canvas.setAttribute('aria-label', `test image ${index}: a ${label}`);
}

async function predict(run: ModuleRun, image: tf.Tensor4D): Promise<Float32Array> {
  const probs = tf.tidy(() => tf.softmax(run.model.apply(image, { training: false }) as tf.Tensor));
  try {
    return Float32Array.from(await probs.data());
  } finally {
    probs.dispose();
  }
}

export class GateView {
  private readonly cards: Card[] = [];
  private image = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly data: PlaygroundData,
    runs: readonly ModuleRun[],
    colours: (module: string) => string,
  ) {
    root.replaceChildren();
    for (const run of runs) {
      const figure = document.createElement('figure');
      figure.className = 'gate-card';
      figure.dataset['module'] = run.name;
      figure.style.setProperty('--module-colour', colours(run.name));
      const caption = document.createElement('figcaption');
      caption.textContent = `${run.name}: waiting for the first step`;
      figure.append(caption);
      root.append(figure);
      this.cards.push({ run, figure, caption, channel: null, spatial: null, baseline: null });
    }
  }

  /** Shows test image `index` from now on (redrawn now unless `refresh` is false); its changes are measured from then. */
  async setImage(index: number, refresh = true): Promise<void> {
    this.image = index;
    for (const card of this.cards) card.baseline = null;
    if (refresh) await Promise.all(this.cards.map((c) => this.refresh(c.run)));
  }

  /** Reads `run`'s gates and prediction for the current image and redraws its card. */
  async refresh(run: ModuleRun): Promise<void> {
    const card = this.cards.find((c) => c.run === run);
    if (card === undefined) return;
    const image = testImage(this.data, this.image);
    try {
      const [maps, probs] = await Promise.all([
        run.gates?.read(image) ?? null,
        predict(run, image),
      ]);
      await this.draw(card, maps, probs);
    } finally {
      image.dispose();
    }
  }

  private async draw(card: Card, maps: GateMaps | null, probs: Float32Array): Promise<void> {
    const { run, figure } = card;
    const step = run.cursor.steps;
    const best = probs.indexOf(Math.max(...probs));
    const guess = `predicts ${this.data.classNames[best]} (${(100 * probs[best]!).toFixed(0)}%)`;
    figure.dataset['step'] = String(step);
    if (maps === null || (maps.channel === null && maps.spatial === null)) {
      const why = maps === null ? 'no attention module' : 'the module reports no gate maps';
      card.caption.textContent = `${run.name} at step ${step}: ${why}; ${guess}`;
      return;
    }
    const parts = [`${run.name} at step ${step}`];
    if (maps.channel !== null) parts.push(await this.drawChannel(card, maps.channel, step));
    if (maps.spatial !== null) parts.push(await this.drawSpatial(card, maps.spatial));
    parts.push(guess);
    card.caption.textContent = parts.join('; ');
  }

  private async drawChannel(card: Card, values: Float32Array, step: number): Promise<string> {
    const { figure } = card;
    const colour = figure.style.getPropertyValue('--module-colour');
    card.channel ??= embedReplaceable(
      chartBox(figure, 'channel'),
      channelSpec(card.run.name, colour),
    );
    await (await card.channel).replace([...values].map((value, channel) => ({ channel, value })));
    card.baseline ??= { values, step };
    const drift = meanAbsDiff(values, card.baseline.values);
    const { min, mean, max } = stats(values);
    Object.assign(figure.dataset, {
      channels: String(values.length),
      values: [...values].map((v) => v.toFixed(5)).join(','),
      drift: String(drift),
      sinceStep: String(card.baseline.step),
    });
    return (
      `${values.length} channel gates, min ${min.toFixed(2)}, mean ${mean.toFixed(2)}, ` +
      `max ${max.toFixed(2)}; mean change since step ${card.baseline.step}: ${drift.toFixed(4)}`
    );
  }

  private async drawSpatial(card: Card, map: NonNullable<GateMaps['spatial']>): Promise<string> {
    card.spatial ??= embedReplaceable(chartBox(card.figure, 'spatial'), spatialSpec(card.run.name));
    const rows = [...map.values].map((value, i) => ({
      row: Math.floor(i / map.width),
      col: i % map.width,
      value,
    }));
    await (await card.spatial).replace(rows);
    const { min, max } = stats(map.values);
    Object.assign(card.figure.dataset, {
      spatial: `${map.height}x${map.width}`,
      spatialMin: String(min),
      spatialMax: String(max),
    });
    return `spatial map ${map.height}×${map.width}, ${min.toFixed(2)} to ${max.toFixed(2)}`;
  }

  finalize(): void {
    for (const card of this.cards) {
      void card.channel?.then((c) => c.finalize());
      void card.spatial?.then((c) => c.finalize());
    }
    this.root.replaceChildren();
  }
}
