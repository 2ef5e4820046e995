import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@sevar/core';
import { describe, expect, it } from 'vitest';
import {
  augmentInto,
  augmentOutputSize,
  pixelAffine,
  resolveAugment,
  sampleResizedCropWindow,
  writeBilinear,
  writeCrop,
} from './augment.js';
import { NORMALIZATION } from './normalization.js';

const UNIT = pixelAffine(NORMALIZATION.unit);

/** 32×32 image whose pixel (y, x) is R = 8y + 1, G = 8x + 1, B = 200: every pixel nonzero. */
function coordImage(h = 32, w = 32): Uint8Array {
  const img = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      img[o] = 8 * y + 1;
      img[o + 1] = 8 * x + 1;
      img[o + 2] = 200;
    }
  }
  return img;
}

const px = (out: Float32Array, w: number, y: number, x: number): number[] =>
  [0, 1, 2].map((c) => Math.round(out[(y * w + x) * 3 + c]! * 255));

describe('writeCrop', () => {
  it('places the padded window exactly (offset 0,0: image shifted by +4, zero border)', () => {
    const out = new Float32Array(32 * 32 * 3);
    writeCrop(coordImage(), 0, 32, 32, 4, 0, 0, false, out, 0, UNIT);
    expect(px(out, 32, 0, 0)).toEqual([0, 0, 0]);
    expect(px(out, 32, 3, 10)).toEqual([0, 0, 0]);
    expect(px(out, 32, 4, 4)).toEqual([1, 1, 200]);
    expect(px(out, 32, 31, 20)).toEqual([8 * 27 + 1, 8 * 16 + 1, 200]);
  });

  it('offset 8,8 shifts the other way; flip mirrors the cropped window', () => {
    const out = new Float32Array(32 * 32 * 3);
    writeCrop(coordImage(), 0, 32, 32, 4, 8, 8, false, out, 0, UNIT);
    expect(px(out, 32, 0, 0)).toEqual([8 * 4 + 1, 8 * 4 + 1, 200]);
    expect(px(out, 32, 28, 27)).toEqual([0, 0, 0]);
    writeCrop(coordImage(), 0, 32, 32, 4, 4, 4, true, out, 0, UNIT);
    // Centre offset + flip: pixel (y, x) comes from (y, 31 - x).
    for (const [y, x] of [
      [0, 0],
      [5, 31],
      [17, 3],
    ] as const) {
      expect(px(out, 32, y, x)).toEqual([8 * y + 1, 8 * (31 - x) + 1, 200]);
    }
  });

  it('normalizes per channel: (v / 255 - mean) / std, padding is normalized zero', () => {
    const aff = pixelAffine(NORMALIZATION.cifar10);
    const out = new Float32Array(32 * 32 * 3);
    writeCrop(coordImage(), 0, 32, 32, 4, 0, 0, false, out, 0, aff);
    const { mean, std } = NORMALIZATION.cifar10;
    expect(out[0]).toBeCloseTo(-mean[0] / std[0], 5);
    const o = (4 * 32 + 4) * 3;
    expect(out[o + 2]).toBeCloseTo((200 / 255 - mean[2]) / std[2], 5);
  });
});

describe('augmentInto crop-flip', () => {
  it('every output is a shifted (and maybe mirrored) copy with offsets in [-4, 4]', () => {
    const img = coordImage();
    const spec = resolveAugment('crop-flip');
    const rng = new Rng(11);
    const out = new Float32Array(32 * 32 * 3);
    const shifts = new Set<string>();
    let flips = 0;
    const trials = 1000;
    for (let t = 0; t < trials; t++) {
      augmentInto(spec, rng, img, 0, 32, 32, out, 0, UNIT);
      // Pixel (16, 16) is never padding for |shift| <= 4; decode where it came from.
      const [r, g] = px(out, 32, 16, 16) as [number, number];
      const [, g2] = px(out, 32, 16, 17) as [number, number, number];
      const dy = (r - 1) / 8 - 16;
      const flip = g2 < g;
      const dx = flip ? (g - 1) / 8 - 15 : (g - 1) / 8 - 16;
      if (flip) flips++;
      expect(Math.abs(dy)).toBeLessThanOrEqual(4);
      expect(Math.abs(dx)).toBeLessThanOrEqual(4);
      shifts.add(`${dy},${dx}`);
      if (t >= 100) continue;
      // The whole image agrees with that shift and flip (checked on the first 100 draws).
      const bad: string[] = [];
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const sy = y + dy;
          const sx = flip ? 31 - x + dx : x + dx;
          const inside = sy >= 0 && sy < 32 && sx >= 0 && sx < 32;
          const want = inside ? [8 * sy + 1, 8 * sx + 1, 200] : [0, 0, 0];
          const got = px(out, 32, y, x);
          if (got[0] !== want[0] || got[1] !== want[1] || got[2] !== want[2]) bad.push(`${y},${x}`);
        }
      }
      expect(bad).toEqual([]);
    }
    expect(shifts.size).toBe(81);
    expect(Math.abs(flips / trials - 0.5)).toBeLessThan(0.1);
  });

  it("'crop' never flips (digits)", () => {
    const spec = resolveAugment('crop');
    const rng = new Rng(2);
    const out = new Float32Array(32 * 32 * 3);
    for (let t = 0; t < 100; t++) {
      augmentInto(spec, rng, coordImage(), 0, 32, 32, out, 0, UNIT);
      expect(px(out, 32, 16, 17)[1]! - px(out, 32, 16, 16)[1]!).toBe(8);
    }
  });
});

/** Image whose R channel is a horizontal ramp 8x and G a vertical ramp 8y. */
function rampImage(): Uint8Array {
  const img = new Uint8Array(32 * 32 * 3);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      img[(y * 32 + x) * 3] = 8 * x;
      img[(y * 32 + x) * 3 + 1] = 8 * y;
    }
  }
  return img;
}

describe('bilinear transforms', () => {
  it('random-resized-crop with the full window and size 32 is the identity', () => {
    const spec = resolveAugment({
      kind: 'random-resized-crop',
      size: 32,
      scale: [1, 1],
      ratio: [1, 1],
      flip: false,
    });
    const out = new Float32Array(32 * 32 * 3);
    const img = rampImage();
    augmentInto(spec, new Rng(0), img, 0, 32, 32, out, 0, UNIT);
    expect(Array.from(out, (v) => Math.round(v * 255))).toEqual(Array.from(img));
  });

  it('upsampling a ramp to 64 follows half-pixel-centre bilinear interpolation', () => {
    const spec = resolveAugment({
      kind: 'random-resized-crop',
      size: 64,
      scale: [1, 1],
      ratio: [1, 1],
      flip: false,
    });
    expect(augmentOutputSize(spec, 32, 32)).toEqual([64, 64]);
    const out = new Float32Array(64 * 64 * 3);
    augmentInto(spec, new Rng(0), rampImage(), 0, 32, 32, out, 0, UNIT);
    for (const x of [0, 1, 2, 31, 62, 63]) {
      const src = Math.min(31, Math.max(0, (x + 0.5) / 2 - 0.5));
      expect(out[(10 * 64 + x) * 3]! * 255).toBeCloseTo(8 * src, 3);
    }
  });

  it('resize 256 + centre crop 224 maps output pixel k to source (k + 0.5) / 8 + 1.5', () => {
    const spec = resolveAugment({ kind: 'resize-center-crop', resize: 256, size: 224 });
    const out = new Float32Array(224 * 224 * 3);
    augmentInto(spec, new Rng(0), rampImage(), 0, 32, 32, out, 0, UNIT);
    for (const k of [0, 7, 100, 223]) {
      const src = 2 + (k + 0.5) / 8 - 0.5;
      expect(out[(50 * 224 + k) * 3]! * 255).toBeCloseTo(8 * src, 3);
      expect(out[(k * 224 + 50) * 3 + 1]! * 255).toBeCloseTo(8 * src, 3);
    }
  });

  it('random-resized-crop: windows respect scale and ratio; outputs stay in the pixel range', () => {
    const rng = new Rng(9);
    for (let t = 0; t < 2000; t++) {
      const w = sampleResizedCropWindow(rng, 32, 32, [0.08, 1], [3 / 4, 4 / 3]);
      expect(w.top).toBeGreaterThanOrEqual(0);
      expect(w.left).toBeGreaterThanOrEqual(0);
      expect(w.top + w.ch).toBeLessThanOrEqual(32);
      expect(w.left + w.cw).toBeLessThanOrEqual(32);
      // Rounding to whole pixels widens the limits a little on small windows.
      expect((w.ch * w.cw) / 1024).toBeGreaterThan(0.05);
    }
    const spec = resolveAugment({ kind: 'random-resized-crop', size: 48 });
    const out = new Float32Array(48 * 48 * 3);
    const img = coordImage();
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = 0; t < 50; t++) {
      augmentInto(spec, rng, img, 0, 32, 32, out, 0, UNIT);
      for (const v of out) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    // Bilinear weights are convex: never outside the source's [1, 249] pixel range.
    expect(lo * 255).toBeGreaterThan(1 - 1e-3);
    expect(hi * 255).toBeLessThan(249 + 1e-3);
  });

  it('is deterministic under a seed', () => {
    const spec = resolveAugment({ kind: 'random-resized-crop', size: 40 });
    const a = new Float32Array(40 * 40 * 3);
    const b = new Float32Array(40 * 40 * 3);
    augmentInto(spec, new Rng(77), coordImage(), 0, 32, 32, a, 0, UNIT);
    augmentInto(spec, new Rng(77), coordImage(), 0, 32, 32, b, 0, UNIT);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('bilinear against PyTorch (reference/make_resize_fixtures.py)', () => {
  const raw = readFileSync(join(import.meta.dirname, '__fixtures__', 'resize.bin'));
  const img = new Uint8Array(raw.buffer, raw.byteOffset, 3072).slice();
  const floats = new Float32Array(
    raw.buffer.slice(raw.byteOffset + 3072, raw.byteOffset + raw.length),
  );
  const center = floats.subarray(0, 56 * 56 * 3);
  const window = floats.subarray(56 * 56 * 3);
  const maxDiff = (a: Float32Array, b: Float32Array): number => {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! * 255 - b[i]!));
    return m;
  };

  it('resize 64 + centre crop 56 matches F.interpolate(bilinear, align_corners=False) + crop', () => {
    const out = new Float32Array(56 * 56 * 3);
    const spec = resolveAugment({ kind: 'resize-center-crop', resize: 64, size: 56 });
    augmentInto(spec, new Rng(0), img, 0, 32, 32, out, 0, UNIT);
    expect(maxDiff(out, center)).toBeLessThan(1e-3);
  });

  it('a crop window resized to 24×24 matches F.interpolate on the cropped tensor', () => {
    const out = new Float32Array(24 * 24 * 3);
    const region = { y0: 3, x0: 5, h: 20, w: 15, yMin: 3, yMax: 22, xMin: 5, xMax: 19 };
    writeBilinear(img, 0, 32, region, 24, 24, false, out, 0, UNIT);
    expect(maxDiff(out, window)).toBeLessThan(1e-3);
  });
});

describe('resolveAugment', () => {
  it("'standard' is crop + flip, except no flip for SVHN digits", () => {
    expect(resolveAugment('standard', 'cifar10')).toEqual({ kind: 'crop', padding: 4, flip: true });
    expect(resolveAugment('standard', 'svhn')).toEqual({ kind: 'crop', padding: 4, flip: false });
    expect(resolveAugment('none')).toEqual({ kind: 'crop', padding: 0, flip: false });
  });

  it('rejects unknown names and bad sizes, naming the option', () => {
    expect(() => resolveAugment('rotate' as 'crop')).toThrow(
      /^augment: expected one of none, crop-flip, .*, received "rotate"$/,
    );
    expect(() => resolveAugment({ kind: 'random-resized-crop', size: 0 })).toThrow(
      /augment.size \(random-resized-crop\)/,
    );
    expect(() =>
      resolveAugment({ kind: 'random-resized-crop', size: 8, scale: [0.5, 0.1] }),
    ).toThrow(/augment.scale/);
    expect(() => resolveAugment({ kind: 'resize-center-crop', resize: 8, size: 16 })).toThrow(
      /augment.size \(resize-center-crop\): expected at most resize \(8\), received 16/,
    );
    expect(() => resolveAugment({ kind: 'crop', padding: -1 })).toThrow(/padding/);
  });
});
