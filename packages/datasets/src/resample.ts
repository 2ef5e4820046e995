// The per-pixel loops of the augmentations: crop and bilinear resampling, with the
// normalization fused into the same pass.
import type { Normalization } from './normalization.js';

/** Per-channel affine that maps a 0–255 pixel to its normalized float: `v * scale + shift`. */
export interface PixelAffine {
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

export function pixelAffine(norm: Normalization): PixelAffine {
  const scale = new Float32Array(3);
  const shift = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    scale[c] = 1 / (255 * norm.std[c]!);
    shift[c] = 0 - norm.mean[c]! / norm.std[c]!; // 0 - x, not -x: no negative zero
  }
  return { scale, shift };
}

/**
 * Crop window at offset (oy, ox) of the image zero-padded by `pad`, optionally mirrored,
 * written normalized into `dst`. Padding pixels are 0 before normalization, as in
 * torchvision's `RandomCrop(padding=4)` applied before `Normalize`.
 */
export function writeCrop(
  src: Uint8Array,
  srcOff: number,
  h: number,
  w: number,
  pad: number,
  oy: number,
  ox: number,
  flip: boolean,
  dst: Float32Array,
  dstOff: number,
  aff: PixelAffine,
): void {
  const { scale, shift } = aff;
  const s0 = scale[0]!,
    s1 = scale[1]!,
    s2 = scale[2]!;
  const b0 = shift[0]!,
    b1 = shift[1]!,
    b2 = shift[2]!;
  for (let y = 0; y < h; y++) {
    const sy = y + oy - pad;
    const rowOut = dstOff + y * w * 3;
    const rowValid = sy >= 0 && sy < h;
    for (let x = 0; x < w; x++) {
      const sx = (flip ? w - 1 - x : x) + ox - pad;
      const o = rowOut + x * 3;
      if (rowValid && sx >= 0 && sx < w) {
        const i = srcOff + (sy * w + sx) * 3;
        dst[o] = src[i]! * s0 + b0;
        dst[o + 1] = src[i + 1]! * s1 + b1;
        dst[o + 2] = src[i + 2]! * s2 + b2;
      } else {
        dst[o] = b0;
        dst[o + 1] = b1;
        dst[o + 2] = b2;
      }
    }
  }
}

/** A window in source pixel coordinates and the inclusive pixel bounds samples clamp to. */
export interface SampleRegion {
  y0: number;
  x0: number;
  h: number;
  w: number;
  yMin: number;
  yMax: number;
  xMin: number;
  xMax: number;
}

function axisTaps(
  start: number,
  len: number,
  out: number,
  lo: number,
  hi: number,
): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(out);
  const i1 = new Int32Array(out);
  const f = new Float32Array(out);
  const step = len / out;
  for (let k = 0; k < out; k++) {
    // Half-pixel centres (align_corners = false), clamped to the window's edge pixels.
    let p = start + (k + 0.5) * step - 0.5;
    if (p < lo) p = lo;
    if (p > hi) p = hi;
    const a = Math.floor(p);
    i0[k] = a;
    i1[k] = a < hi ? a + 1 : hi;
    f[k] = p - a;
  }
  return { i0, i1, f };
}

/** Bilinear resize of `region` to `outH × outW`, optionally mirrored, normalized into `dst`. */
export function writeBilinear(
  src: Uint8Array,
  srcOff: number,
  w: number,
  region: SampleRegion,
  outH: number,
  outW: number,
  flip: boolean,
  dst: Float32Array,
  dstOff: number,
  aff: PixelAffine,
): void {
  const ty = axisTaps(region.y0, region.h, outH, region.yMin, region.yMax);
  const tx = axisTaps(region.x0, region.w, outW, region.xMin, region.xMax);
  const { scale, shift } = aff;
  for (let y = 0; y < outH; y++) {
    const r0 = srcOff + ty.i0[y]! * w * 3;
    const r1 = srcOff + ty.i1[y]! * w * 3;
    const fy = ty.f[y]!;
    for (let x = 0; x < outW; x++) {
      const k = flip ? outW - 1 - x : x;
      const c0 = tx.i0[k]! * 3;
      const c1 = tx.i1[k]! * 3;
      const fx = tx.f[k]!;
      const o = dstOff + (y * outW + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = src[r0 + c0 + c]! + (src[r0 + c1 + c]! - src[r0 + c0 + c]!) * fx;
        const bot = src[r1 + c0 + c]! + (src[r1 + c1 + c]! - src[r1 + c0 + c]!) * fx;
        dst[o + c] = (top + (bot - top) * fy) * scale[c]! + shift[c]!;
      }
    }
  }
}
