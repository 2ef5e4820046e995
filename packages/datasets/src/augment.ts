import type { Rng } from '@sevar/core';
import { DatasetOptionError } from './errors.js';
import { allowsHorizontalFlip } from './registry.js';
import { writeBilinear, writeCrop } from './resample.js';
import type { PixelAffine, SampleRegion } from './resample.js';

// The per-pixel writers live in resample.ts; they stay importable from here.
export { pixelAffine, writeBilinear, writeCrop } from './resample.js';
export type { PixelAffine, SampleRegion } from './resample.js';

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

/** The whole `h × w` image, samples clamped to its edge pixels. */
function wholeImage(h: number, w: number): SampleRegion {
  return { y0: 0, x0: 0, h, w, yMin: 0, yMax: h - 1, xMin: 0, xMax: w - 1 };
}

/** A window of whole pixels, samples clamped to the window's own edge pixels. */
function windowRegion(win: { top: number; left: number; ch: number; cw: number }): SampleRegion {
  const { top, left, ch, cw } = win;
  return {
    y0: top,
    x0: left,
    h: ch,
    w: cw,
    yMin: top,
    yMax: top + ch - 1,
    xMin: left,
    xMax: left + cw - 1,
  };
}

/** Shorter side to `resize`, then the centred `size` window, mapped back to source pixels. */
function centerCropRegion(spec: ResizeCenterCropSpec, h: number, w: number): SampleRegion {
  const s = spec.resize / Math.min(h, w);
  const rh = Math.round(h * s);
  const rw = Math.round(w * s);
  const top = Math.round((rh - spec.size) / 2);
  const left = Math.round((rw - spec.size) / 2);
  return {
    ...wholeImage(h, w),
    y0: (top * h) / rh,
    x0: (left * w) / rw,
    h: (spec.size * h) / rh,
    w: (spec.size * w) / rw,
  };
}

/** The source window a resampling spec reads and whether it is mirrored, drawn from `rng`. */
function resampleRegion(
  spec: Exclude<AugmentSpec, CropSpec>,
  rng: Rng,
  h: number,
  w: number,
): { region: SampleRegion; flip: boolean } {
  switch (spec.kind) {
    case 'random-resized-crop': {
      const ratio = spec.ratio ?? [3 / 4, 4 / 3];
      const win = sampleResizedCropWindow(rng, h, w, spec.scale ?? [0.08, 1], ratio);
      const flip = rng.next() < 0.5 && (spec.flip ?? true);
      return { region: windowRegion(win), flip };
    }
    case 'resize-center-crop':
      return { region: centerCropRegion(spec, h, w), flip: false };
    case 'resize':
      return { region: wholeImage(h, w), flip: false };
  }
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
  if (spec.kind === 'crop') {
    const pad = spec.padding ?? 4;
    const oy = rng.int(2 * pad + 1);
    const ox = rng.int(2 * pad + 1);
    const flip = rng.next() < 0.5 && (spec.flip ?? true);
    writeCrop(src, srcOff, h, w, pad, oy, ox, flip, dst, dstOff, aff);
  } else if (spec.kind === 'resize' && spec.size === h && spec.size === w) {
    writeCrop(src, srcOff, h, w, 0, 0, 0, false, dst, dstOff, aff);
  } else {
    const { region, flip } = resampleRegion(spec, rng, h, w);
    writeBilinear(src, srcOff, w, region, spec.size, spec.size, flip, dst, dstOff, aff);
  }
}
