import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** One PyTorch float64 reference case (see reference/zoo_reference.py). */
export interface ZooCase {
  key: string;
  options: Record<string, unknown>;
  inputShape: [number, number, number, number];
  training: boolean;
  input: number[];
  /** Every weight in @sevar/layers order: trainable ones, then BN moving statistics. */
  weights: { shape: number[]; values: number[] }[];
  output: number[];
  /** dL/dy for L = sum(y * upstream). */
  upstream: number[];
  gradInput: number[];
  /** dL/dw for every trainable weight, in order. */
  gradWeights: number[][];
  /** Training cases: the BN moving statistics after the one forward pass. */
  statisticsAfter?: number[][];
}

const DIR = new URL('../__fixtures__/zoo/', import.meta.url);

/** The keys that have a fixture file. */
export function zooFixtureKeys(): string[] {
  if (!existsSync(DIR)) return [];
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadZooCases(key: string): ZooCase[] {
  return (JSON.parse(readFileSync(new URL(`${key}.json`, DIR), 'utf8')) as { cases: ZooCase[] })
    .cases;
}

/**
 * Largest error relative to the reference, with a floor: |a − e| / (|e| + 1e-3 · max|e|).
 * The floor keeps elements that cancel to almost zero (a gradient summed over signs) from
 * dominating; everywhere else this is the plain relative error.
 */
export function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} vs ${expected.length}`);
  }
  let peak = 0;
  for (let i = 0; i < expected.length; i++) peak = Math.max(peak, Math.abs(expected[i]!));
  const floor = 1e-3 * peak + 1e-30;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    worst = Math.max(worst, Math.abs(actual[i]! - e) / (Math.abs(e) + floor));
  }
  return worst;
}
