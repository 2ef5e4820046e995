import { describe, expect, it } from 'vitest';
import { parseCifarRecords } from './cifar/records.js';
import {
  EMBEDDED_CLASSES,
  embeddedCifarBytes,
  loadEmbedded,
  loadEmbeddedSync,
} from './embedded.js';
import { NORMALIZATION } from './normalization.js';

describe('embedded dataset', () => {
  it('has the documented shape, balanced labels and class names', async () => {
    const train = await loadEmbedded({ split: 'train' });
    const test = await loadEmbedded({ split: 'test' });
    expect(train.count).toBe(5000);
    expect(test.count).toBe(1000);
    expect(train.images.length).toBe(5000 * 32 * 32 * 3);
    expect(train.classNames).toEqual(EMBEDDED_CLASSES);
    expect(train.name).toBe('embedded');
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(500));
  });

  it('is deterministic per seed and differs between seeds and splits', () => {
    const a = embeddedCifarBytes({ split: 'test', count: 50 });
    const b = embeddedCifarBytes({ split: 'test', count: 50 });
    const c = embeddedCifarBytes({ split: 'test', count: 50, seed: 1 });
    const d = embeddedCifarBytes({ split: 'train', count: 50 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(d))).toBe(false);
  });

  it('goes through the CIFAR-10 record format: bytes parse back to the loaded arrays', () => {
    const bytes = embeddedCifarBytes({ split: 'test' });
    expect(bytes.length).toBe(1000 * 3073);
    const ds = loadEmbeddedSync({ split: 'test' });
    // Record i: label byte, then the R plane; compare against the NHWC array directly.
    for (const i of [0, 1, 517, 999]) {
      expect(bytes[i * 3073]).toBe(ds.labels[i]);
      for (const p of [0, 33, 1023]) {
        for (let c = 0; c < 3; c++) {
          expect(bytes[i * 3073 + 1 + c * 1024 + p]).toBe(ds.images[i * 3072 + p * 3 + c]);
        }
      }
    }
    const parsed = parseCifarRecords(bytes, { labelBytes: 1, labelIndex: 0, numClasses: 10 }, 'x');
    expect(Buffer.from(parsed.images).equals(Buffer.from(ds.images))).toBe(true);
  });

  it('its normalization constants match the train split', () => {
    const { images } = loadEmbeddedSync({ split: 'train' });
    const m = [0, 0, 0];
    const s = [0, 0, 0];
    for (let i = 0; i < images.length; i++) {
      const v = images[i]! / 255;
      m[i % 3]! += v;
      s[i % 3]! += v * v;
    }
    const n = images.length / 3;
    for (let c = 0; c < 3; c++) {
      const mean = m[c]! / n;
      expect(mean).toBeCloseTo(NORMALIZATION.embedded.mean[c]!, 3);
      expect(Math.sqrt(s[c]! / n - mean * mean)).toBeCloseTo(NORMALIZATION.embedded.std[c]!, 3);
    }
  });

  it('classes are separable by shape, not by mean colour', () => {
    // Per-class mean colour is near the global mean: colour carries no class signal.
    const { images, labels, count } = loadEmbeddedSync({ split: 'train' });
    const sums = Array.from({ length: 10 }, () => [0, 0, 0, 0]);
    for (let i = 0; i < count; i++) {
      const s = sums[labels[i]!]!;
      for (let p = 0; p < 3072; p++) s[p % 3]! += images[i * 3072 + p]!;
      s[3]! += 1024;
    }
    for (const s of sums)
      for (let c = 0; c < 3; c++) expect(Math.abs(s[c]! / s[3]! - 127)).toBeLessThan(15);
  });

  it('rejects bad options', () => {
    expect(() => embeddedCifarBytes({ split: 'val' as 'train' })).toThrow(
      /loadEmbedded: split: expected 'train' or 'test', received "val"/,
    );
    expect(() => embeddedCifarBytes({ split: 'train', count: 0 })).toThrow(/positive integer/);
  });
});
