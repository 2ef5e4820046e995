import type { Rng } from '@sevar/core';
import { DatasetOptionError } from './errors.js';
import type { Normalization } from './normalization.js';
import { allowsHorizontalFlip } from './registry.js';

/** Random crop from the image zero-padded by `padding` on each side, then optional flip. */
export interface CropSpec {
  kind: 'crop';
  /** Default 4 (the CIFAR protocol). */
  padding?: number;
  /** Random horizontal flip with probability 0.5; default true. Use false for digits (SVHN). */
  flip?: boolean;
}

/** torchvision-style RandomResizedCrop: random area and aspect, bilinear resize to `size`. */
export interface RandomResizedCropSpec {
  kind: 'random-resized-crop';
  size: number;
  /** Fraction of the image area; default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Aspect ratio w/h range; default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  /** Default true. */
  flip?: boolean;
}

/** Evaluation transform: resize the shorter side to `resize`, then centre-crop `size`. */
export interface ResizeCenterCropSpec {
  kind: 'resize-center-crop';
  resize: number;
  size: number;
}

/** No randomness: the image as is, or bilinearly resized to `size`. */
export interface ResizeSpec {
  kind: 'resize';
  size: number;
}

export type AugmentSpec = CropSpec | RandomResizedCropSpec | ResizeCenterCropSpec | ResizeSpec;

/**
 * `'none'` (identity), `'crop-flip'` (4-px padded crop + flip), `'crop'` (no flip), `'flip'`
 * (flip only), `'standard'` (the SPEC's 32×32 training augmentation for the dataset:
 * `'crop'` for SVHN digits, `'crop-flip'` otherwise), or a full {@link AugmentSpec}.
 */
export type AugmentOption = 'none' | 'crop-flip' | 'crop' | 'flip' | 'standard' | AugmentSpec;

const SHORTHANDS = ['none', 'crop-flip', 'crop', 'flip', 'standard'];

function optionError(subject: string, expected: string, received: unknown): never {
  throw new DatasetOptionError({ subject, expected, received });
}

/** Turns an option into a full, validated spec; `datasetName` resolves `'standard'`. */
export function resolveAugment(option: AugmentOption, datasetName = ''): AugmentSpec {
  if (typeof option === 'string') {
    switch (option) {
      case 'standard':
        return { kind: 'crop', padding: 4, flip: allowsHorizontalFlip(datasetName) };
      case 'none':
        // Identity at any image size (a zero-padding crop that never flips).
        return { kind: 'crop', padding: 0, flip: false };
      case 'crop-flip':
        return { kind: 'crop', padding: 4, flip: true };
      case 'crop':
        return { kind: 'crop', padding: 4, flip: false };
      case 'flip':
        return { kind: 'crop', padding: 0, flip: true };
      default:
        optionError(
          'augment',
          `one of ${SHORTHANDS.join(', ')} ` +
            `or { kind: 'crop' | 'random-resized-crop' | 'resize-center-crop' | 'resize' }`,
          option,
        );
    }
  }
  const posInt = (name: string, v: unknown): void => {
    if (!Number.isInteger(v) || (v as number) <= 0) {
      optionError(`augment.${name} (${option.kind})`, 'a positive integer', v);
    }
  };
  switch (option.kind) {
    case 'crop': {
      const p = option.padding ?? 4;
      if (!Number.isInteger(p) || p < 0) {
        optionError('augment.padding (crop)', 'an integer >= 0', p);
      }
      return { kind: 'crop', padding: p, flip: option.flip ?? true };
    }
    case 'random-resized-crop': {
      posInt('size', option.size);
      const scale = option.scale ?? [0.08, 1];
      const ratio = option.ratio ?? [3 / 4, 4 / 3];
      if (!(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1)) {
        optionError(
          'augment.scale (random-resized-crop)',
          '[min, max] with 0 < min <= max <= 1',
          scale,
        );
      }
      if (!(ratio[0] > 0 && ratio[0] <= ratio[1])) {
        optionError('augment.ratio (random-resized-crop)', '[min, max] with 0 < min <= max', ratio);
      }
      return {
        kind: 'random-resized-crop',
        size: option.size,
        scale,
        ratio,
        flip: option.flip ?? true,
      };
    }
    case 'resize-center-crop':
      posInt('resize', option.resize);
      posInt('size', option.size);
      if (option.size > option.resize) {
        optionError(
          'augment.size (resize-center-crop)',
          `at most resize (${option.resize})`,
          option.size,
        );
      }
      return option;
    case 'resize':
      posInt('size', option.size);
      return option;
    default:
      optionError(
        'augment.kind',
        "'crop', 'random-resized-crop', 'resize-center-crop' or 'resize'",
        (option as { kind: unknown }).kind,
      );
  }
}

/** Output height and width of a spec on `height × width` input. */
export function augmentOutputSize(
  spec: AugmentSpec,
  height: number,
  width: number,
): [number, number] {
  switch (spec.kind) {
    case 'crop':
      return [height, width];
    default:
      return [spec.size, spec.size];
  }
}

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

/** torchvision's RandomResizedCrop.get_params: 10 tries, then a centre crop fallback. */
export function sampleResizedCropWindow(
  rng: Rng,
  h: number,
  w: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
): { top: number; left: number; ch: number; cw: number } {
  const area = h * w;
  const logR0 = Math.log(ratio[0]);
  const logR1 = Math.log(ratio[1]);
  for (let t = 0; t < 10; t++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logR0, logR1));
    const cw = Math.round(Math.sqrt(target * aspect));
    const ch = Math.round(Math.sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      return { top: rng.int(h - ch + 1), left: rng.int(w - cw + 1), ch, cw };
    }
  }
  const inRatio = w / h;
  let cw = w;
  let ch = h;
  if (inRatio < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) cw = Math.round(h * ratio[1]);
  return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), ch, cw };
}

/**
 * Applies `spec` to one HWC uint8 image at `srcOff`, drawing randomness from `rng`, and
 * writes the normalized float32 HWC result at `dstOff`. The number of `rng` draws per
 * image is fixed for each spec, so results depend only on the generator's state.
 */
export function augmentInto(
  spec: AugmentSpec,
  rng: Rng,
  src: Uint8Array,
  srcOff: number,
  h: number,
  w: number,
  dst: Float32Array,
  dstOff: number,
  aff: PixelAffine,
): void {
  switch (spec.kind) {
    case 'crop': {
      const pad = spec.padding ?? 4;
      const oy = rng.int(2 * pad + 1);
      const ox = rng.int(2 * pad + 1);
      const flip = rng.next() < 0.5 && (spec.flip ?? true);
      writeCrop(src, srcOff, h, w, pad, oy, ox, flip, dst, dstOff, aff);
      return;
    }
    case 'random-resized-crop': {
      const win = sampleResizedCropWindow(
        rng,
        h,
        w,
        spec.scale ?? [0.08, 1],
        spec.ratio ?? [3 / 4, 4 / 3],
      );
      const flip = rng.next() < 0.5 && (spec.flip ?? true);
      const region: SampleRegion = {
        y0: win.top,
        x0: win.left,
        h: win.ch,
        w: win.cw,
        yMin: win.top,
        yMax: win.top + win.ch - 1,
        xMin: win.left,
        xMax: win.left + win.cw - 1,
      };
      writeBilinear(src, srcOff, w, region, spec.size, spec.size, flip, dst, dstOff, aff);
      return;
    }
    case 'resize-center-crop': {
      // Shorter side to `resize`, then the centred `size` window, mapped back to source pixels.
      const s = spec.resize / Math.min(h, w);
      const rh = Math.round(h * s);
      const rw = Math.round(w * s);
      const top = Math.round((rh - spec.size) / 2);
      const left = Math.round((rw - spec.size) / 2);
      const region: SampleRegion = {
        y0: (top * h) / rh,
        x0: (left * w) / rw,
        h: (spec.size * h) / rh,
        w: (spec.size * w) / rw,
        yMin: 0,
        yMax: h - 1,
        xMin: 0,
        xMax: w - 1,
      };
      writeBilinear(src, srcOff, w, region, spec.size, spec.size, false, dst, dstOff, aff);
      return;
    }
    case 'resize': {
      if (spec.size === h && spec.size === w) {
        writeCrop(src, srcOff, h, w, 0, 0, 0, false, dst, dstOff, aff);
        return;
      }
      const region: SampleRegion = {
        y0: 0,
        x0: 0,
        h,
        w,
        yMin: 0,
        yMax: h - 1,
        xMin: 0,
        xMax: w - 1,
      };
      writeBilinear(src, srcOff, w, region, spec.size, spec.size, false, dst, dstOff, aff);
      return;
    }
  }
}
