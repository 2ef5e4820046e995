import { once } from 'node:events';
import { createInflate } from 'node:zlib';
import { DataFormatError, MatHdf5Error } from '../../errors.js';
import { ByteReader } from './byte-reader.js';
import {
  MI_COMPRESSED,
  MI_INT32,
  MI_INT8,
  MI_MATRIX,
  MI_TYPES,
  MI_UINT32,
  MX_CLASSES,
  NUMERIC_CLASSES,
} from './constants.js';

/** A variable's header, known before its data streams in. */
export interface MatVariableHeader {
  readonly name: string;
  /** MATLAB class: 'double', 'uint8', 'char', … */
  readonly mxClass: string;
  /** Stored data type of the real part, e.g. 'miUINT8' for a double array saved compactly. */
  readonly storedType: string;
  readonly dims: readonly number[];
  readonly numel: number;
  readonly complex: boolean;
}

/** Receives a variable's real-part values, column-major, in order, in chunks. */
export interface MatSink {
  /** `values[j]` is element `start + j` (column-major linear index). */
  write(start: number, values: ArrayLike<number>): void;
}

/** Returns a sink for a variable, or null to skip it. */
export type MatHandler = (header: MatVariableHeader) => MatSink | null;

export interface MatParseOptions {
  /** Total input size when known; bounds what declared lengths may claim. */
  totalBytes?: number;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const ELEMENT_LIMIT = 2 ** 32 - 1;

const pad8 = (n: number): number => (8 - (n % 8)) % 8;

interface Tag {
  type: number;
  nbytes: number;
  /** Small data element: data sits in the tag's last 4 bytes. */
  small: Uint8Array | null;
}

class MatParser {
  private le = true;
  private variableIndex = 0;

  constructor(
    private readonly file: string,
    private readonly handler: MatHandler,
    private readonly options: MatParseOptions,
  ) {}

  private fail(message: string, cause?: unknown): DataFormatError {
    return new DataFormatError(this.file, message, cause === undefined ? undefined : { cause });
  }

  private u32(b: Uint8Array, at: number): number {
    return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, this.le);
  }

  async parse(reader: ByteReader): Promise<void> {
    if (await reader.atEnd()) throw this.fail('is empty; expected a MAT-file level 5 header');
    const head = await reader.readExact(
      Math.min(128, this.options.totalBytes ?? 128),
      'the 128-byte header',
    );
    if (HDF5_SIGNATURE.every((v, i) => head[i] === v)) throw new MatHdf5Error(this.file);
    if (head.length < 128)
      throw this.fail(`expected a 128-byte MAT-file header, received ${head.length} bytes`);
    const text = new TextDecoder('latin1').decode(head.subarray(0, 116));
    const e0 = head[126];
    const e1 = head[127];
    // The writer stores 'MI' as a 16-bit value: it reads back as 'IM' on little-endian files.
    const little = e0 === 0x49 && e1 === 0x4d;
    const big = e0 === 0x4d && e1 === 0x49;
    this.le = little;
    if (!little && !big) {
      throw this.fail(
        `expected the MAT-file endian indicator 'IM' or 'MI' at bytes 126-127, received ` +
          `0x${(e0 ?? 0).toString(16)} 0x${(e1 ?? 0).toString(16)} (not a MAT-file level 5?)`,
      );
    }
    const version = new DataView(head.buffer, head.byteOffset + 124, 2).getUint16(0, this.le);
    if (version === 0x0200 || text.startsWith('MATLAB 7.3')) throw new MatHdf5Error(this.file);
    if (version !== 0x0100) {
      throw this.fail(
        `expected MAT-file version 0x0100 at byte 124, received 0x${version.toString(16)}`,
      );
    }
    while (!(await reader.atEnd())) {
      const start = reader.offset;
      const tag = await this.readTag(reader, 'a top-level data element tag');
      this.checkFits(tag.nbytes, start + 8, 'top-level element');
      if (tag.type === MI_COMPRESSED) {
        await this.parseCompressed(reader, tag.nbytes);
      } else if (tag.type === MI_MATRIX) {
        await this.parseMatrix(reader, tag.nbytes, 'file');
        await reader.skip(pad8(tag.nbytes), 'padding');
      } else if (tag.small === null) {
        // Other top-level elements carry nothing this parser reads.
        await reader.skip(tag.nbytes + pad8(tag.nbytes), 'an unused element');
      }
    }
  }

  private checkFits(nbytes: number, at: number, what: string): void {
    const total = this.options.totalBytes;
    if (total !== undefined && at + nbytes > total) {
      throw this.fail(
        `${what} at byte ${at - 8} declares ${nbytes} bytes but only ${total - at} remain (truncated file?)`,
      );
    }
  }

  private async readTag(reader: ByteReader, context: string): Promise<Tag> {
    const b = await reader.readExact(8, context);
    const first = this.u32(b, 0);
    if (first >>> 16 !== 0) {
      // Small data element: 16-bit byte count, 16-bit type, up to 4 bytes of data.
      const nbytes = first >>> 16;
      const type = first & 0xffff;
      if (nbytes > 4)
        throw this.fail(
          `small data element at byte ${reader.offset - 8} declares ${nbytes} bytes; expected at most 4`,
        );
      return { type, nbytes, small: b.slice(4, 4 + nbytes) };
    }
    return { type: first, nbytes: this.u32(b, 4), small: null };
  }

  /** Reads a whole (small) sub-element's data, skipping its padding. */
  private async readSmallData(
    reader: ByteReader,
    tag: Tag,
    what: string,
    limit: number,
  ): Promise<Uint8Array> {
    if (tag.small !== null) return tag.small;
    if (tag.nbytes > limit)
      throw this.fail(`${what}: declares ${tag.nbytes} bytes, more than the ${limit} allowed`);
    const data = (await reader.readExact(tag.nbytes, what)).slice();
    await reader.skip(pad8(tag.nbytes), `${what} padding`);
    return data;
  }

  private async parseCompressed(outer: ByteReader, nbytes: number): Promise<void> {
    const index = this.variableIndex;
    const at = outer.offset - 8;
    const inflate = createInflate({ chunkSize: 1 << 18 }); // fewer, larger output chunks
    // zlib ends its output at the end of the deflate stream even if the element has bytes
    // left; those trailing bytes are ignored (as zlib does) but still consumed below.
    let zlibDone = false;
    const zlibEnd = once(inflate, 'end').then(
      () => void (zlibDone = true),
      () => undefined,
    );
    // Producer: consumes exactly the element's compressed bytes, honouring backpressure.
    const feed = (async () => {
      try {
        for await (const chunk of outer.take(nbytes, `compressed element #${index}`)) {
          if (zlibDone) continue;
          if (!inflate.write(chunk)) await Promise.race([once(inflate, 'drain'), zlibEnd]);
        }
        if (!zlibDone) inflate.end();
      } catch (err) {
        inflate.destroy(err as Error);
        throw err;
      }
    })();
    feed.catch(() => undefined); // awaited below; this only marks it handled meanwhile
    const inner = new ByteReader(
      inflate[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
      this.file,
      `inflated element #${index}`,
    );
    try {
      const tag = await this.readTag(inner, 'the tag inside a compressed element');
      if (tag.type !== MI_MATRIX) {
        throw this.fail(
          `compressed element #${index}: expected miMATRIX (14) inside, received type ${tag.type}`,
        );
      }
      await this.parseMatrix(inner, tag.nbytes, inner.what);
      await inner.drain();
      await feed;
    } catch (err) {
      inflate.destroy();
      const fed = await feed.then(
        () => null,
        (e: unknown) => e,
      );
      // A truncated file shows up in the producer; report that rather than the zlib symptom.
      if (fed instanceof DataFormatError) throw fed;
      if (err instanceof DataFormatError) throw err;
      const code = (err as { code?: string }).code;
      throw this.fail(
        `compressed element #${index} at byte ${at}: corrupt zlib stream ` +
          `(${code !== undefined ? code + ': ' : ''}${(err as Error).message})`,
        err,
      );
    }
  }

  private async parseMatrix(reader: ByteReader, nbytes: number, where: string): Promise<void> {
    const index = this.variableIndex++;
    const end = reader.offset + nbytes;
    if (nbytes === 0) return; // empty matrix placeholder
    const left = (): number => end - reader.offset;
    const sub = async (what: string): Promise<Tag> => {
      if (left() < 8)
        throw this.fail(
          `variable #${index} (${where}): ${what} runs past the end of its miMATRIX element`,
        );
      const tag = await this.readTag(reader, what);
      if (tag.small === null && tag.nbytes > left()) {
        throw this.fail(
          `variable #${index} (${where}): ${what} declares ${tag.nbytes} bytes but its miMATRIX ` +
            `element has ${left()} left`,
        );
      }
      return tag;
    };
    const flagsTag = await sub('array flags');
    if (flagsTag.type !== MI_UINT32 || (flagsTag.small === null && flagsTag.nbytes !== 8)) {
      throw this.fail(
        `variable #${index} (${where}): expected array flags as 8 bytes of miUINT32, received type ${flagsTag.type} with ${flagsTag.nbytes} bytes`,
      );
    }
    const flags = await this.readSmallData(reader, flagsTag, 'array flags', 8);
    if (flags.length < 4)
      throw this.fail(
        `variable #${index} (${where}): array flags hold ${flags.length} bytes, expected 8`,
      );
    const flagWord = this.u32(flags, 0);
    const mxClass = MX_CLASSES[flagWord & 0xff];
    const complex = (flagWord & 0x0800) !== 0;
    if (mxClass === undefined) {
      throw this.fail(
        `variable #${index} (${where}): unknown array class ${flagWord & 0xff}; expected 1-15`,
      );
    }
    const dimsTag = await sub('dimensions');
    if (dimsTag.type !== MI_INT32 || dimsTag.nbytes % 4 !== 0 || dimsTag.nbytes < 8) {
      throw this.fail(
        `variable #${index} (${where}): expected dimensions as >= 2 miINT32 values, received type ${dimsTag.type} with ${dimsTag.nbytes} bytes`,
      );
    }
    const dimBytes = await this.readSmallData(reader, dimsTag, 'dimensions', 4096);
    const dv = new DataView(dimBytes.buffer, dimBytes.byteOffset, dimBytes.byteLength);
    const dims: number[] = [];
    for (let i = 0; i < dimBytes.length; i += 4) dims.push(dv.getInt32(i, this.le));
    if (dims.some((d) => d < 0))
      throw this.fail(`variable #${index} (${where}): negative dimension in [${dims.join(', ')}]`);
    const nameTag = await sub('array name');
    if (nameTag.type !== MI_INT8 && nameTag.type !== 2) {
      throw this.fail(
        `variable #${index} (${where}): expected the array name as miINT8, received type ${nameTag.type}`,
      );
    }
    const name = new TextDecoder('latin1').decode(
      await this.readSmallData(reader, nameTag, 'array name', 4096),
    );
    const label = `variable '${name}' (${where})`;
    if (!NUMERIC_CLASSES.has(mxClass)) {
      // Cells, structs, objects and sparse arrays: not needed for SVHN, skipped whole.
      await reader.skip(left(), `${label} contents`);
      return;
    }
    const numel = dims.reduce((a, b) => a * b, 1);
    const realTag = await sub(`${label} real part`);
    const stored = MI_TYPES[realTag.type];
    if (stored === undefined) throw this.fail(`${label}: unknown stored data type ${realTag.type}`);
    if (realTag.nbytes !== numel * stored.size) {
      throw this.fail(
        `${label}: dims [${dims.join(', ')}] need ${numel} ${stored.name} values ` +
          `(${numel * stored.size} bytes), received ${realTag.nbytes} bytes`,
      );
    }
    if (numel > ELEMENT_LIMIT)
      throw this.fail(`${label}: ${numel} elements exceed the supported ${ELEMENT_LIMIT}`);
    const header: MatVariableHeader = {
      name,
      mxClass,
      storedType: stored.name,
      dims,
      numel,
      complex,
    };
    const sink = this.handler(header);
    if (realTag.small !== null) {
      if (sink) this.decodeAligned(stored.size, realTag.type, realTag.small, sink, 0);
    } else if (sink === null) {
      await reader.skip(realTag.nbytes, `${label} data`);
    } else {
      await this.decodeStream(
        stored.size,
        realTag.type,
        reader.take(realTag.nbytes, `${label} data`),
        sink,
      );
    }
    if (realTag.small === null)
      await reader.skip(Math.min(pad8(realTag.nbytes), left()), `${label} padding`);
    // Imaginary part (complex arrays) is not returned; skip whatever is left.
    if (left() > 0) await reader.skip(left(), `${label} remainder`);
  }

  /** Decodes chunks of stored values, carrying partial elements across chunk borders. */
  private async decodeStream(
    size: number,
    type: number,
    chunks: AsyncIterable<Uint8Array>,
    sink: MatSink,
  ): Promise<void> {
    let at = 0;
    const carry = new Uint8Array(size);
    let carried = 0;
    for await (let c of chunks) {
      if (carried > 0) {
        const k = Math.min(size - carried, c.length);
        carry.set(c.subarray(0, k), carried);
        carried += k;
        c = c.subarray(k);
        if (carried < size) continue;
        at += this.decodeAligned(size, type, carry, sink, at);
        carried = 0;
      }
      const whole = c.length - (c.length % size);
      if (whole > 0) at += this.decodeAligned(size, type, c.subarray(0, whole), sink, at);
      if (whole < c.length) {
        carry.set(c.subarray(whole));
        carried = c.length - whole;
      }
    }
  }

  /** Decodes a chunk holding whole elements; returns the element count. */
  private decodeAligned(
    size: number,
    type: number,
    c: Uint8Array,
    sink: MatSink,
    at: number,
  ): number {
    const n = c.length / size;
    if (type === 2 || type === 16) {
      sink.write(at, c);
      return n;
    }
    if (type === 1) {
      sink.write(at, new Int8Array(c.buffer, c.byteOffset, n));
      return n;
    }
    const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
    const out = new Float64Array(n);
    const le = this.le;
    switch (type) {
      case 3:
        for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, le);
        break;
      case 4:
      case 17:
        for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, le);
        break;
      case 5:
        for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, le);
        break;
      case 6:
      case 18:
        for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, le);
        break;
      case 7:
        for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, le);
        break;
      case 9:
        for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, le);
        break;
      // 64-bit integers become doubles (exact below 2^53).
      case 12:
        for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, le));
        break;
      case 13:
        for (let i = 0; i < n; i++) out[i] = Number(dv.getBigUint64(8 * i, le));
        break;
    }
    sink.write(at, out);
    return n;
  }
}

/**
 * Streams a MAT-file level 5 from `chunks`, calling `handler` for each numeric variable and
 * feeding its values to the returned sink. Compressed variables are inflated incrementally,
 * so memory stays at what the sinks keep plus one chunk.
 */
export async function parseMatStream(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  handler: MatHandler,
  options: MatParseOptions = {},
): Promise<void> {
  const reader = new ByteReader(chunks[Symbol.asyncIterator](), file);
  try {
    await new MatParser(file, handler, options).parse(reader);
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    if (err instanceof RangeError) {
      throw new DataFormatError(file, `declared sizes cannot be allocated (${err.message})`, {
        cause: err,
      });
    }
    throw err;
  }
}
