import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DataNotFoundError } from '../../errors.js';
import { parseMatStream } from './parse.js';
import type { MatParseOptions, MatVariableHeader } from './parse.js';

export type MatData =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** A numeric MAT variable; `data` is column-major, typed by its MATLAB class (64-bit ints as doubles, char as UTF-16 codes). */
export interface MatVariable extends MatVariableHeader {
  readonly data: MatData;
}

function allocate(mxClass: string, n: number): MatData {
  switch (mxClass) {
    case 'single':
      return new Float32Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
      return new Uint8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
    case 'char':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint32':
      return new Uint32Array(n);
    default:
      return new Float64Array(n);
  }
}

async function collect(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  options: MatParseOptions,
): Promise<Map<string, MatVariable>> {
  const out = new Map<string, MatVariable>();
  await parseMatStream(
    chunks,
    file,
    (h) => {
      const data = allocate(h.mxClass, h.numel);
      out.set(h.name, { ...h, data });
      return { write: (start, values) => data.set(values as ArrayLike<number>, start) };
    },
    options,
  );
  return out;
}

/** Splits bytes into chunks (tests use small chunks to exercise every border). */
async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Parses an in-memory MAT-file level 5 into its numeric variables. */
export async function parseMat(
  bytes: Uint8Array,
  file = '<memory>',
  options: { chunkSize?: number } = {},
): Promise<Map<string, MatVariable>> {
  return collect(chunked(bytes, options.chunkSize ?? 1 << 20), file, { totalBytes: bytes.length });
}

/** Opens a file as chunks, with its size; a missing file is a {@link DataNotFoundError}. */
export async function fileChunks(
  path: string,
  chunkSize = 1 << 20,
): Promise<{ chunks: AsyncIterable<Uint8Array>; size: number }> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile())
      throw new DataNotFoundError(path, `${path}: expected a file, found a directory or other`);
    size = s.size;
  } catch (err) {
    if (err instanceof DataNotFoundError) throw err;
    throw new DataNotFoundError(path, `${path}: file not found (${(err as Error).message})`, {
      cause: err,
    });
  }
  return { chunks: createReadStream(path, { highWaterMark: chunkSize }), size };
}

/** Reads a MAT-file level 5 from disk, streaming. */
export async function readMatFile(
  path: string,
  options: { chunkSize?: number } = {},
): Promise<Map<string, MatVariable>> {
  const { chunks, size } = await fileChunks(path, options.chunkSize);
  return collect(chunks, path, { totalBytes: size });
}
