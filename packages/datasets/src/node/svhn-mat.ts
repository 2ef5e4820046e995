import { DataFormatError } from '../errors.js';
import { fileChunks } from './mat/read.js';
import { parseMatStream } from './mat/parse.js';
import type { MatSink, MatVariableHeader } from './mat/parse.js';

export interface SvhnArrays {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/**
 * Sink for X (uint8, 32×32×3×N column-major): element (r, c, ch, i) at linear index
 * r + 32c + 1024ch + 3072i goes to NHWC offset 3072i + 96r + 3c + ch, as it streams in.
 */
function nhwcSink(images: Uint8Array): MatSink {
  return {
    write(start, values) {
      let i = Math.floor(start / 3072);
      let rem = start - i * 3072;
      let ch = rem >> 10;
      rem &= 1023;
      let c = rem >> 5;
      let r = rem & 31;
      let base = i * 3072 + 3 * c + ch;
      const n = values.length;
      for (let j = 0; j < n; j++) {
        images[base + 96 * r] = values[j]!;
        if (++r === 32) {
          r = 0;
          base += 3;
          if (++c === 32) {
            c = 0;
            base -= 96;
            if (++ch === 3) {
              ch = 0;
              i++;
              base = i * 3072;
            } else base += 1;
          }
        }
      }
    },
  };
}

/** Reads an SVHN `*_32x32.mat` (X, y) into NHWC images and labels 0–9, streaming. */
export async function readSvhnMat(
  path: string,
  options: { chunkSize?: number } = {},
): Promise<SvhnArrays> {
  const { chunks, size } = await fileChunks(path, options.chunkSize);
  let images: Uint8Array | null = null;
  let labels: Uint8Array | null = null;
  let xCount = -1;
  let yCount = -1;
  const handler = (h: MatVariableHeader): MatSink | null => {
    if (h.name === 'X') {
      const [d0, d1, d2, n] = h.dims;
      if (h.dims.length !== 4 || d0 !== 32 || d1 !== 32 || d2 !== 3 || h.mxClass !== 'uint8') {
        throw new DataFormatError(
          path,
          `variable 'X': expected class uint8 with dims [32, 32, 3, N], received class ${h.mxClass} ` +
            `with dims [${h.dims.join(', ')}]`,
        );
      }
      xCount = n!;
      images = new Uint8Array(xCount * 3072);
      return nhwcSink(images);
    }
    if (h.name === 'y') {
      if (h.dims.length !== 2 || Math.min(h.dims[0]!, h.dims[1]!) !== 1) {
        throw new DataFormatError(
          path,
          `variable 'y': expected dims [N, 1], received [${h.dims.join(', ')}]`,
        );
      }
      yCount = h.numel;
      const out = new Uint8Array(yCount);
      labels = out;
      return {
        write(start, values) {
          for (let j = 0; j < values.length; j++) {
            const v = values[j]!;
            if (!Number.isInteger(v) || v < 1 || v > 10) {
              throw new DataFormatError(
                path,
                `variable 'y' element ${start + j}: expected a label 1..10 (10 = digit 0), received ${v}`,
              );
            }
            out[start + j] = v === 10 ? 0 : v;
          }
        },
      };
    }
    return null;
  };
  await parseMatStream(chunks, path, handler, { totalBytes: size });
  if (images === null || labels === null) {
    throw new DataFormatError(
      path,
      `expected variables 'X' and 'y', missing ${[images === null ? "'X'" : '', labels === null ? "'y'" : ''].filter(Boolean).join(' and ')}`,
    );
  }
  if (xCount !== yCount) {
    throw new DataFormatError(path, `'X' holds ${xCount} images but 'y' holds ${yCount} labels`);
  }
  return { images, labels, count: xCount };
}
