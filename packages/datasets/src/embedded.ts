import { Rng, deriveSeed } from '@sevar/core';
import { encodeCifarRecords, parseCifarRecords } from './cifar/records.js';
import { DatasetOptionError } from './errors.js';
import type { ImageDataset } from './types.js';

/**
 * The embedded default dataset: procedurally drawn shapes, not real photographs. Each class
 * is a shape; position, size, rotation, colours, background gradient, a distractor blob and
 * pixel noise are random, so colour alone says nothing and a CNN must learn shape.
 */
export const EMBEDDED_CLASSES = [
  'disc',
  'square',
  'triangle',
  'ring',
  'cross',
  'h-stripes',
  'v-stripes',
  'checker',
  'two-dots',
  'frame',
] as const;

export const EMBEDDED_DEFAULT_SEED = 20230426;
export const EMBEDDED_DEFAULT_COUNTS = { train: 5000, test: 1000 } as const;

export interface EmbeddedOptions {
  split: 'train' | 'test';
  /** Default {@link EMBEDDED_DEFAULT_SEED}; the same seed always gives the same bytes. */
  seed?: number;
  /** Number of images; default 5000 (train) or 1000 (test). */
  count?: number;
}

const SQ3 = Math.sqrt(3);

/** Is local point (u, v) (shape units, shape spans about [-1, 1]) inside the class's shape? */
function inside(cls: number, u: number, v: number): boolean {
  const au = Math.abs(u);
  const av = Math.abs(v);
  switch (cls) {
    case 0:
      return u * u + v * v <= 1;
    case 1:
      return au <= 0.8 && av <= 0.8;
    case 2:
      return v <= 0.5 && SQ3 * u - v <= 1 && -SQ3 * u - v <= 1;
    case 3: {
      const r2 = u * u + v * v;
      return r2 <= 1 && r2 >= 0.3;
    }
    case 4:
      return (au <= 0.3 && av <= 1) || (av <= 0.3 && au <= 1);
    case 5:
      return au <= 1 && av <= 1 && Math.floor((v + 1) * 2.5) % 2 === 0;
    case 6:
      return au <= 1 && av <= 1 && Math.floor((u + 1) * 2.5) % 2 === 0;
    case 7:
      return au <= 1 && av <= 1 && (Math.floor((u + 1) * 2) + Math.floor((v + 1) * 2)) % 2 === 0;
    case 8:
      return (u - 0.55) ** 2 + v * v <= 0.2 || (u + 0.55) ** 2 + v * v <= 0.2;
    default: {
      const m = Math.max(au, av);
      return m >= 0.55 && m <= 0.95;
    }
  }
}

function randomColor(rng: Rng): [number, number, number] {
  return [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
}

/** Draws one 32×32 RGB image of class `cls` into `out` at `offset` (HWC). */
function drawImage(cls: number, rng: Rng, out: Uint8Array, offset: number): void {
  const bg = randomColor(rng);
  let fg = randomColor(rng);
  // Keep enough contrast that the shape is visible through the noise.
  for (let k = 0; k < 20 && Math.hypot(fg[0] - bg[0], fg[1] - bg[1], fg[2] - bg[2]) < 120; k++) {
    fg = randomColor(rng);
  }
  const gx = rng.uniform(-3, 3);
  const gy = rng.uniform(-3, 3);
  const cx = rng.uniform(10, 22);
  const cy = rng.uniform(10, 22);
  const scale = rng.uniform(7, 12);
  const stripes = cls >= 5 && cls <= 7;
  const theta = stripes ? rng.uniform(-0.3, 0.3) : rng.uniform(-Math.PI, Math.PI);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const hasDistractor = rng.next() < 0.3;
  const dc = randomColor(rng);
  const dx = rng.uniform(2, 30);
  const dy = rng.uniform(2, 30);
  const dr2 = rng.uniform(1.5, 3) ** 2;
  const sigma = rng.uniform(3, 12);
  // Approximately normal noise (Irwin-Hall of 4 uniform bytes), one PRNG call per value.
  const noiseScale = (sigma * Math.sqrt(3)) / 255;
  const fg0 = fg[0],
    fg1 = fg[1],
    fg2 = fg[2];
  const bg0 = bg[0],
    bg1 = bg[1],
    bg2 = bg[2];
  const dc0 = dc[0],
    dc1 = dc[1],
    dc2 = dc[2];
  const noise = (): number => {
    const r = rng.nextUint32();
    return ((r & 255) + ((r >>> 8) & 255) + ((r >>> 16) & 255) + (r >>> 24) - 510) * noiseScale;
  };
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      // 2×2 supersampling gives anti-aliased edges.
      let cover = 0;
      for (let k = 0; k < 4; k++) {
        const px = (x + 0.25 + 0.5 * (k & 1) - cx) / scale;
        const py = (y + 0.25 + 0.5 * (k >> 1) - cy) / scale;
        if (inside(cls, cos * px + sin * py, -sin * px + cos * py)) cover += 0.25;
      }
      const grad = gx * (x - 16) + gy * (y - 16);
      const bx = x + 0.5 - dx;
      const by = y + 0.5 - dy;
      const inBlob = hasDistractor && bx * bx + by * by <= dr2;
      const o = offset + (y * 32 + x) * 3;
      const un = 1 - cover;
      out[o] = clamp((inBlob ? dc0 : cover * fg0 + un * (bg0 + grad)) + noise());
      out[o + 1] = clamp((inBlob ? dc1 : cover * fg1 + un * (bg1 + grad)) + noise());
      out[o + 2] = clamp((inBlob ? dc2 : cover * fg2 + un * (bg2 + grad)) + noise());
    }
  }
}

/**
 * Generates the embedded dataset and returns it as CIFAR-10 binary records (1 label byte +
 * R, G, B planes), the bytes a file `train.bin` / `test.bin` would hold.
 */
export function embeddedCifarBytes(options: EmbeddedOptions): Uint8Array {
  const { split } = options;
  if (split !== 'train' && split !== 'test') {
    throw new DatasetOptionError({
      subject: 'loadEmbedded: split',
      expected: "'train' or 'test'",
      received: split,
    });
  }
  const seed = options.seed ?? EMBEDDED_DEFAULT_SEED;
  const count = options.count ?? EMBEDDED_DEFAULT_COUNTS[split];
  if (!Number.isInteger(count) || count <= 0) {
    throw new DatasetOptionError({
      subject: 'loadEmbedded: count',
      expected: 'a positive integer',
      received: count,
    });
  }
  const splitId = split === 'train' ? 1 : 2;
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  // Balanced classes in a seeded random order.
  const order = new Rng(deriveSeed(seed, splitId, 0xffffffff));
  for (let i = 0; i < count; i++) labels[i] = i % 10;
  for (let i = count - 1; i > 0; i--) {
    const j = order.int(i + 1);
    const t = labels[i]!;
    labels[i] = labels[j]!;
    labels[j] = t;
  }
  for (let i = 0; i < count; i++) {
    drawImage(labels[i]!, new Rng(deriveSeed(seed, splitId, i)), images, i * 3072);
  }
  return encodeCifarRecords(images, labels, 1);
}

const cache = new Map<string, ImageDataset>();

/**
 * The embedded default dataset (10 procedurally drawn shape classes, 32×32 RGB), generated
 * deterministically in memory, encoded as CIFAR-10 binary records and read back with the
 * same parser as the real CIFAR files. Needs no network or file system. Results are cached
 * per (split, seed, count); treat the arrays as read-only.
 */
export function loadEmbeddedSync(options: EmbeddedOptions): ImageDataset {
  const key = `${options.split}:${options.seed ?? EMBEDDED_DEFAULT_SEED}:${options.count ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const bytes = embeddedCifarBytes(options);
  const parsed = parseCifarRecords(
    bytes,
    { labelBytes: 1, labelIndex: 0, numClasses: 10 },
    `embedded:${options.split}.bin`,
  );
  const ds: ImageDataset = {
    images: parsed.images,
    labels: parsed.labels,
    count: parsed.count,
    height: 32,
    width: 32,
    classNames: EMBEDDED_CLASSES,
    name: 'embedded',
    split: options.split,
  };
  cache.set(key, ds);
  return ds;
}

/** Async form of {@link loadEmbeddedSync}, same shape of call as the real loaders. */
export async function loadEmbedded(options: EmbeddedOptions): Promise<ImageDataset> {
  return loadEmbeddedSync(options);
}
