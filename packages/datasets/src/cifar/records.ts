import { DataFormatError } from '../errors.js';

const PIXELS = 32 * 32;
const IMAGE_BYTES = 3 * PIXELS;

export interface CifarRecordLayout {
  /** Label bytes before the pixels: 1 for CIFAR-10, 2 (coarse, fine) for CIFAR-100. */
  readonly labelBytes: 1 | 2;
  /** Which of the label bytes to keep. */
  readonly labelIndex: 0 | 1;
  /** Labels must be `< numClasses`. */
  readonly numClasses: number;
}

export interface ParsedRecords {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** Bytes per record for a layout. */
export function cifarRecordSize(layout: Pick<CifarRecordLayout, 'labelBytes'>): number {
  return layout.labelBytes + IMAGE_BYTES;
}

/**
 * Parses CIFAR binary records (label byte(s), then R, G and B planes each row-major 32×32)
 * into NHWC images. Writes into `out` at record offset `outIndex` when given, so several
 * batch files fill one preallocated array.
 */
export function parseCifarRecords(
  bytes: Uint8Array,
  layout: CifarRecordLayout,
  file: string,
  out?: { images: Uint8Array; labels: Uint8Array; outIndex: number },
): ParsedRecords {
  const rec = cifarRecordSize(layout);
  if (bytes.length === 0 || bytes.length % rec !== 0) {
    throw new DataFormatError(
      file,
      `expected a positive multiple of ${rec} bytes (CIFAR records of ${layout.labelBytes} label ` +
        `byte(s) + ${IMAGE_BYTES} pixel bytes), received ${bytes.length} bytes` +
        (bytes.length > rec ? ` (${bytes.length % rec} trailing bytes: truncated file?)` : ''),
    );
  }
  const count = bytes.length / rec;
  const images = out?.images ?? new Uint8Array(count * IMAGE_BYTES);
  const labels = out?.labels ?? new Uint8Array(count);
  const base = out?.outIndex ?? 0;
  if ((base + count) * IMAGE_BYTES > images.length || base + count > labels.length) {
    throw new DataFormatError(
      file,
      `holds ${count} records but the output has room for ${labels.length - base}`,
    );
  }
  for (let i = 0; i < count; i++) {
    const r = i * rec;
    const label = bytes[r + layout.labelIndex]!;
    if (label >= layout.numClasses) {
      throw new DataFormatError(
        file,
        `record ${i}: expected a label below ${layout.numClasses}, received ${label}`,
      );
    }
    labels[base + i] = label;
    const src = r + layout.labelBytes;
    const dst = (base + i) * IMAGE_BYTES;
    // Planar CHW to interleaved HWC.
    for (let p = 0; p < PIXELS; p++) {
      const d = dst + 3 * p;
      images[d] = bytes[src + p]!;
      images[d + 1] = bytes[src + PIXELS + p]!;
      images[d + 2] = bytes[src + 2 * PIXELS + p]!;
    }
  }
  return { images, labels, count };
}

/**
 * Writes NHWC 32×32 images and labels as CIFAR binary records (the inverse of
 * {@link parseCifarRecords}). With `labelBytes: 2` the label fills both bytes unless
 * `coarseLabels` is given.
 */
export function encodeCifarRecords(
  images: Uint8Array,
  labels: ArrayLike<number>,
  labelBytes: 1 | 2 = 1,
  coarseLabels?: ArrayLike<number>,
): Uint8Array {
  const count = labels.length;
  const rec = labelBytes + IMAGE_BYTES;
  const out = new Uint8Array(count * rec);
  for (let i = 0; i < count; i++) {
    const r = i * rec;
    if (labelBytes === 2) {
      out[r] = (coarseLabels ?? labels)[i]!;
      out[r + 1] = labels[i]!;
    } else {
      out[r] = labels[i]!;
    }
    const src = i * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      for (let c = 0; c < 3; c++) out[r + labelBytes + c * PIXELS + p] = images[src + 3 * p + c]!;
    }
  }
  return out;
}
